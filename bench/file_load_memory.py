"""Memory of the server process across file loads (issue 11, finding 4): does it return to its level after a
load?

    python bench/file_load_memory.py [--rows 300000] [--xlsx-rows 50000] [--loads 3] [--no-release]

Builds a SQLite database with the demo city and a published entry of 12 items (``bench/ingest.py``), writes a
CSV of ``--rows`` rows and an XLSX of ``--xlsx-rows`` rows of the same data, then — in this one process, the way
``govdata serve`` runs them — runs ``--loads`` loads of each file one after the other in the background thread
of ``aggregation.progress`` (the path of the web page and of ``POST /api/v1/loads/{id}/run``), and prints the
resident set (VmRSS) before the first load, at the peak of each, and after each. ``--no-release`` skips what the
load thread does at its end to hand memory back (``progress.release_memory``), to show its effect.

Not a test: memory figures depend on the machine and the allocator, so nothing here is asserted in CI.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from ingest import generate, prepare  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("needs /proc (Linux)")


class Peak:
    """Samples VmRSS every 20 ms while it runs."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.02)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def to_xlsx(csv_path: Path, xlsx_path: Path, rows: int) -> None:
    import csv

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    with csv_path.open(encoding="utf-8", newline="") as source:
        for n, row in enumerate(csv.reader(source)):
            if n > rows:
                break
            sheet.append(row)
    book.save(xlsx_path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--xlsx-rows", type=int, default=50_000)
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--no-release", action="store_true")
    args = parser.parse_args()

    from sqlalchemy import select

    from govdata.aggregation import progress, service
    from govdata.config import Settings
    from govdata.core.db import make_engine, make_session_factory
    from govdata.org.models import User
    from govdata.org.signin import actor_for

    folder = Path(tempfile.mkdtemp(prefix="govdata-bench-memory-"))
    csv_path, xlsx_path = folder / "rows.csv", folder / "rows.xlsx"
    generate(csv_path, args.rows)
    to_xlsx(csv_path, xlsx_path, args.xlsx_rows)
    url = f"sqlite:///{folder / 'bench.db'}"
    code = prepare(url, None)
    settings = Settings(database_url=url, home=folder / "home")
    sessions = make_session_factory(make_engine(url), settings)
    with sessions() as session:
        user = session.scalar(select(User).where(User.username == "ps_manager"))
        assert user is not None
        actor = actor_for(user, "ui")
    sys.path.insert(0, str(ROOT))
    from tests.aggregation.test_file_limits import bomb  # imported before the start is measured

    registry = progress.Registry()

    def load(path: Path) -> tuple[int, float, float]:
        """One load in the background thread; (load id, seconds, peak MB)."""
        with sessions() as session:
            with path.open("rb") as source:
                made = service.upload_file(session, actor, code, path.name, source)
            service.map_columns(session, actor, made.id, made.mapping, "partial")
            session.commit()
            load_id = made.id
        start = time.perf_counter()
        with Peak() as peak:
            progress.start_in_background(registry, sessions, actor, load_id,
                                         lambda s, a, lid, report: service.run_file_load(s, a, lid, progress=report))
            for thread in threading.enumerate():
                if thread.name == f"file-load-{load_id}":
                    thread.join()
        return load_id, time.perf_counter() - start, peak.peak

    # warm up: the first load imports and caches what every later one uses (validator, compute kernels, SQL)
    small = folder / "small.csv"
    with csv_path.open(encoding="utf-8") as source:
        small.write_text("".join(line for _, line in zip(range(1001), source, strict=False)), encoding="utf-8")
    load(small)
    progress.release_memory()  # the same start for both runs: the data generation's garbage handed back
    if args.no_release:
        progress.release_memory = lambda: None  # type: ignore[assignment]
    base = rss_mb()
    print(f"{args.rows:,}-row CSV ({csv_path.stat().st_size / 1e6:.0f} MB), {args.xlsx_rows:,}-row XLSX "
          f"({xlsx_path.stat().st_size / 1e6:.0f} MB); release {'off' if args.no_release else 'on'}; "
          f"RSS before the first load {base:.0f} MB", flush=True)
    for path in [csv_path] * args.loads + [xlsx_path] * args.loads:
        load_id, seconds, peak = load(path)
        state = registry.get(load_id)
        print(f"{path.suffix[1:]:<4} load {load_id}: {state.state if state else '?':<6} {seconds:6.1f} s  "
              f"peak {peak:6.0f} MB  after {rss_mb():6.0f} MB ({rss_mb() - base:+.0f} MB over the start)", flush=True)
    # the bomb: under 2 MB packed, 400 MiB of sheet XML
    bomb_path = folder / "bomb.xlsx"
    bomb_path.write_bytes(bomb(400))
    start = time.perf_counter()
    with Peak() as peak, sessions() as session, bomb_path.open("rb") as source:
        try:
            service.upload_file(session, actor, code, bomb_path.name, source)
            outcome = "accepted"
        except Exception as exc:  # noqa: BLE001 - the refusal is what is measured
            outcome = getattr(exc, "code", type(exc).__name__)
    print(f"bomb ({bomb_path.stat().st_size / 1e6:.2f} MB, 400 MiB of XML): {outcome} in "
          f"{time.perf_counter() - start:.2f} s, peak {peak.peak:.0f} MB, after {rss_mb():.0f} MB "
          f"({rss_mb() - base:+.0f} MB over the start)")


if __name__ == "__main__":
    main()

"""Data service benchmark (SHR-3, SEC-2): the shared-data key lookup against a bare lookup, same app, same run.

    python bench/serve.py [--rows 20000] [--seconds 20] [--concurrency 32] [--postgres URL] [--no-postgres]

For SQLite (a temporary file) and PostgreSQL (its own schema ``govdata_bench_serve_<pid>``, dropped at the
end; URL from --postgres, else GOVDATA_TEST_POSTGRES_URL, else postgresql://postgres@127.0.0.1:5432/test):

1. builds the schema through the migrations, loads the demo city, and through the services: publishes a
   有条件共享 catalog entry of 市公安局 with six items (公民身份号码 as key, 姓名, 手机号码, 出生日期, 区县, 金额),
   pushes ``--rows`` records into it as the bureau's business system, registers 市人社局's business system,
   and runs a share request through provider review (masking 公民身份号码, 姓名 and 手机号码, emptying 出生日期) and the big data
   center's approval;
2. starts the platform with uvicorn (one worker, uvloop, httptools, no access log) on loopback with
   ``GOVDATA_BENCH_BASELINE=true``;
3. measures, each for ``--seconds`` after 2 s of warm-up, with ``--concurrency`` keep-alive connections of a
   load generator in another process (bench/loadgen.py; requests signed beforehand, each with its nonce):
   a. ``GET /api/v1/share/{code}/records/{key}`` — signed (AppKey + HMAC-SM3, replay check), granted, row
      scope, masked, with its audit entry and usage record committed before the reply;
   b. ``GET /bench/baseline/{code}/{key}`` — the same row by the same key with no checks at all;
   over random keys of the dataset; prints requests/s, p50 and p99 of both and the ratio a/b, and checks that
   every answer was 200 and that the audit log holds one entry per answered lookup (durable at reply time).
Targets: ratio ≥ 0.35 and p99 of (a) ≤ 100 ms, on both databases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import loadgen  # noqa: E402
from pgschema import temporary_schema  # noqa: E402

TARGET_RATIO = 0.35
TARGET_P99_MS = 100.0
SECRET_KEY = "bench-serve-secret-key"
ITEMS = [
    {"name": "公民身份号码", "field_code": "sfzh", "data_type": "C", "length": 18, "required": True, "is_key": True,
     "sensitivity": "L3", "pii_kind": "身份证件号码"},
    {"name": "姓名", "field_code": "xm", "data_type": "C", "length": 50, "required": True, "sensitivity": "L2",
     "pii_kind": "姓名"},
    {"name": "手机号码", "field_code": "sjhm", "data_type": "C", "length": 11, "sensitivity": "L3",
     "pii_kind": "手机号码"},
    {"name": "出生日期", "field_code": "csrq", "data_type": "D", "sensitivity": "L2"},
    {"name": "所属区县", "field_code": "qx", "data_type": "C", "length": 6, "sensitivity": "L1"},
    {"name": "补贴金额", "field_code": "btje", "data_type": "Y", "sensitivity": "L2"},
]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
COUNTIES = ("530102", "530103", "530111", "530112")


def id_number(n: int) -> str:
    born = dt.date(1960, 1, 1) + dt.timedelta(days=n % 15000)
    body = f"530102{born:%Y%m%d}{n // 15000 % 1000:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]


def person(n: int) -> dict[str, str]:
    sfzh = id_number(n)
    return {"sfzh": sfzh, "xm": f"测试{n}", "sjhm": f"139{n:08d}", "csrq": f"{sfzh[6:10]}-{sfzh[10:12]}-{sfzh[12:14]}",
            "qx": COUNTIES[n % 4], "btje": f"{n % 900 + 100}.50"}


def prepare(url: str, rows: int) -> dict[str, str]:
    """Schema, demo city, the published entry with ``rows`` records, the consumer's grant; returns what the
    load needs (code, keys file, AppKey and secret)."""
    from sqlalchemy import select

    from govdata import demo
    from govdata.aggregation import service as aggregation
    from govdata.catalog import service as catalog
    from govdata.catalog.schemas import ResourceCreate, ReviewDecision
    from govdata.config import Settings
    from govdata.core.db import make_engine, make_session_factory
    from govdata.core.migrate import upgrade
    from govdata.org.models import User
    from govdata.org.signin import actor_for
    from govdata.sharing import service as sharing
    from govdata.sharing.schemas import GrantTerms, RequestCreate, ReviewDecision as ShareDecision
    from govdata.systems import service as systems
    from govdata.systems.models import BusinessSystem
    from govdata.systems.schemas import SystemCreate
    from govdata.workflow.schemas import Decision
    from govdata.systems.signin import system_actor

    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine, Settings(database_url=url, secret_key=SECRET_KEY))
    today = dt.date.today()
    with sessions() as session:
        demo.load(session, catalog=False)
        session.commit()
        users = {u.username: actor_for(u, "cli") for u in session.scalars(select(User))}
        draft = ResourceCreate(name="低保对象身份核验信息", classification_code="101",
                               summary="城乡低保对象的身份、联系方式与发放金额，供社会保障部门核验待遇资格使用。",
                               format="数据库", share_type="有条件共享", share_condition="仅向承担社会保障职责的部门提供",
                               share_method="接口", legal_basis="《社会救助暂行办法》第十条", open_to_public=False,
                               update_cycle="实时", data_level="重要", items=ITEMS)
        entry = catalog.create_resource(session, users["ps_manager"], draft)
        catalog.submit_resource(session, users["ps_manager"], entry.code)
        catalog.review_resource(session, users["ps_reviewer"], entry.code, ReviewDecision(transition="pass"))
        catalog.review_resource(session, users["admin"], entry.code, ReviewDecision(transition="approve"))
        code = entry.code

        def approved(manager: str, name: str) -> BusinessSystem:
            system = systems.register_system(session, users[manager], SystemCreate(
                name=name, purpose="基准测试", owner_name="赵强", owner_phone="13912345678",
                network_zone="政务外网", security_grade=3, assessor="示范省信息安全测评中心",
                assessment_report_no="DJCP-2026-0099", assessment_date=today - dt.timedelta(days=10),
                assessment_valid_until=today + dt.timedelta(days=300)))
            systems.decide_system(session, users["admin"], system.id, Decision(transition="approve"))
            return system

        provider = approved("ps_manager", "低保人口推送系统")
        pusher = system_actor(provider, "127.0.0.1", None)
        for start in range(0, rows, 10_000):
            body = json.dumps([person(n) for n in range(start, min(rows, start + 10_000))], ensure_ascii=False)
            aggregation.push_records(session, pusher, code, body.encode(), "application/json", None)
        consumer = approved("hr_manager", "社保待遇资格认证系统")
        _system, secret = systems.reveal_secret(session, users["hr_manager"], consumer.id)
        request = sharing.request_share(session, users["hr_manager"], RequestCreate(
            code=code, system_id=consumer.id, items=[i["field_code"] for i in ITEMS],
            purpose="社保待遇资格认证时核验参保人身份", basis="《社会保险法》第七十三条", access_method="api",
            period_from=today, period_to=today + dt.timedelta(days=180)))
        terms = GrantTerms(masking={"sfzh": "id_number", "xm": "name", "sjhm": "mobile", "csrq": "null"},
                           rate_per_minute=120_000, daily_quota=10_000_000)
        sharing.review_request(session, users["ps_reviewer"], request.id, ShareDecision(transition="pass", terms=terms))
        sharing.review_request(session, users["admin"], request.id, ShareDecision(transition="approve"))
        session.commit()
        app_key = consumer.app_key
    engine.dispose()
    assert app_key
    return {"code": code, "app_key": app_key, "secret": secret}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GOVDATA_DATABASE_URL": url, "GOVDATA_HOME": str(home), "GOVDATA_SECRET_KEY": SECRET_KEY,
           "GOVDATA_BENCH_BASELINE": "true", "GOVDATA_RUN_JOBS": "false"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "govdata.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1", "--loop", "uvloop", "--http", "httptools", "--no-access-log",
         "--log-level", "warning"], env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("the server did not start")


# Request makers run in the load generator's process (fork): module-level state set before the fork.
_CONTEXT: dict[str, object] = {}


def make_signed() -> list[bytes]:
    from govdata.core.signing import signed_headers

    ctx = _CONTEXT
    rng = random.Random(1)
    rows, code, port = int(ctx["rows"]), str(ctx["code"]), int(ctx["port"])  # type: ignore[call-overload]
    requests = []
    for _ in range(int(ctx["count"])):  # type: ignore[call-overload]
        path = f"/api/v1/share/{code}/records/{id_number(rng.randrange(rows))}"
        headers = signed_headers(str(ctx["app_key"]), str(ctx["secret"]), "GET", path, "", b"")
        headers["X-End-User"] = "bench01"
        requests.append(loadgen.get_request("127.0.0.1", port, path, headers))
    return requests


def make_baseline() -> list[bytes]:
    ctx = _CONTEXT
    rng = random.Random(1)
    rows, code, port = int(ctx["rows"]), str(ctx["code"]), int(ctx["port"])  # type: ignore[call-overload]
    return [loadgen.get_request("127.0.0.1", port, f"/bench/baseline/{code}/{id_number(rng.randrange(rows))}")
            for _ in range(int(ctx["count"]))]  # type: ignore[call-overload]


def audit_count(url: str) -> int:
    from sqlalchemy import func, select

    from govdata.core.audit import AuditEntry
    from govdata.core.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        n = connection.execute(select(func.count()).select_from(AuditEntry)
                               .where(AuditEntry.action == "sharing.read_record",
                                      AuditEntry.result == "success")).scalar_one()
    engine.dispose()
    return int(n)


def bench(label: str, url: str, home: Path, args: argparse.Namespace) -> tuple[float, float]:
    start = time.perf_counter()
    ctx = prepare(url, args.rows)
    print(f"{label}: prepared {args.rows:,} records and the grant in {time.perf_counter() - start:.1f} s", flush=True)
    port = free_port()
    server = start_server(url, home, port)
    try:
        _CONTEXT.update(ctx, rows=args.rows, port=port, count=args.requests)
        base = loadgen.run_in_process(make_baseline, "127.0.0.1", port, args.concurrency, args.seconds)
        before = audit_count(url)
        shared = loadgen.run_in_process(make_signed, "127.0.0.1", port, args.concurrency, args.seconds)
        after = audit_count(url)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    for name, result in (("baseline", base), ("shared", shared)):
        if set(result.statuses) != {200}:
            raise SystemExit(f"{label} {name}: answers other than 200: {result.statuses}")
    ratio = shared.rps / base.rps
    print(f"{label:<10}  shared {shared.rps:8,.0f} req/s p50 {shared.percentile(50):6.1f} ms "
          f"p99 {shared.percentile(99):6.1f} ms | bare {base.rps:8,.0f} req/s p50 {base.percentile(50):6.1f} ms "
          f"p99 {base.percentile(99):6.1f} ms | ratio {ratio:.2f} (target ≥ {TARGET_RATIO})", flush=True)
    # every answered lookup, warm-up included, has its committed audit entry
    print(f"{label:<10}  audit entries written during (a): {after - before:,} for {shared.requests:,} measured "
          f"answers (+ warm-up)", flush=True)
    if after - before < shared.requests:
        raise SystemExit(f"{label}: fewer audit entries than answered lookups")
    return ratio, shared.percentile(99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requests", type=int, default=150_000, help="requests prepared per phase")
    parser.add_argument("--postgres", default=os.environ.get("GOVDATA_TEST_POSTGRES_URL",
                                                             "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="govdata-bench-serve-"))
    print(f"data service benchmark: concurrency {args.concurrency}, {args.seconds:.0f} s per phase, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]} ({dt.date.today()})", flush=True)
    results = []
    if not args.no_sqlite:
        results.append(bench("SQLite", f"sqlite:///{folder / 'bench.db'}", folder / "home-sqlite", args))
    if not args.no_postgres:
        with temporary_schema(args.postgres, "govdata_bench_serve") as url:
            results.append(bench("PostgreSQL", url, folder / "home-pg", args))
    met = all(r >= TARGET_RATIO and p99 <= TARGET_P99_MS for r, p99 in results)
    print(f"targets (ratio ≥ {TARGET_RATIO}, p99 of the shared lookup ≤ {TARGET_P99_MS:.0f} ms): "
          f"{'met' if met else 'NOT met'}")
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

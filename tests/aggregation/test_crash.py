"""A crash (kill -9) at any moment of a load loses nothing that was acknowledged and leaves no partial batch;
a retried batch with the same Idempotency-Key gives the same result (issue 5, Reliability) — both databases.

The loads run in a child process that is killed with SIGKILL while it writes; the parent then inspects
the database and retries."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import MetaData, func, select

from govdata.aggregation import service
from govdata.aggregation.models import Batch, Dataset, FileLoad
from govdata.aggregation.tables import dataset_table
from govdata.catalog.models import Resource
from govdata.org.models import User
from govdata.org.signin import actor_for
from tests.aggregation.test_push import ITEMS, id_number
from tests.catalog.helpers import publish

ROOT = Path(__file__).resolve().parents[2]
BATCH = 400

CHILD = textwrap.dedent('''
    import io, json, sys
    from pathlib import Path
    from sqlalchemy import select
    from govdata.aggregation import readers, service
    from govdata.config import Settings
    from govdata.core.db import make_engine, make_session_factory
    from govdata.org.models import User
    from govdata.org.signin import actor_for

    url, home, code, what = sys.argv[1:5]
    sessions = make_session_factory(make_engine(url), Settings(database_url=url, home=Path(home)))
    with sessions() as session:
        user = session.scalar(select(User).where(User.username == "ps_manager"))
    who = actor_for(user, "api")

    def say(*words):
        print(*words, flush=True)

    if what == "file":
        readers.CHUNK_ROWS, readers.BLOCK_SIZE = 1000, 32 * 1024
        with sessions() as session:
            service.load_file(session, who, code, Path(sys.argv[5]), mode="all",
                              progress=lambda done, expected: say("progress", done))
            session.commit()
        say("done")
    else:
        batch = 0
        keys = json.loads(Path(sys.argv[5]).read_text())
        while True:
            rows = [{"id_number": n, "name": f"居民{batch}", "amount": "1.00"}
                    for n in keys[batch * %(batch)d:(batch + 1) * %(batch)d]]
            if not rows:
                break
            with sessions() as session:
                result = service.push_records(session, who, code, json.dumps(rows).encode(), "application/json",
                                              f"batch-{batch}")
                session.commit()
            say("ack", batch, result.body["inserted"])
            batch += 1
''' % {"batch": BATCH})


def _child(client, tmp_path, code, what, arg):
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen([sys.executable, str(script), client.db.url, str(client.app.state.settings.home),
                             code, what, arg], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _kill_after(process, marker, count, timeout=120):
    """Read the child's lines until ``count`` lines start with ``marker``, then SIGKILL it; returns the lines."""
    lines, seen, deadline = [], 0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.split())
        if line.startswith(marker):
            seen += 1
            if seen >= count:
                break
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert seen >= count, (lines, process.stderr.read())
    return lines


def _table_rows(client, code):
    with client.db.session() as session:
        dataset = session.scalar(select(Dataset).join(Resource, Resource.id == Dataset.resource_id)
                                 .where(Resource.code == code))
        table = dataset_table(dataset, MetaData())
        return [dict(r) for r in session.execute(select(table)).mappings()]


def _manager(client):
    with client.db.session() as session:
        return actor_for(session.scalar(select(User).where(User.username == "ps_manager")), "api")


def test_kill_during_a_file_load_leaves_nothing_and_the_rerun_loads_everything(data_client, tmp_path):
    client = data_client
    code = publish(client, items=ITEMS)
    lines = ["公民身份号码,姓名,补贴金额"] + [f"{id_number(i)},居民{i},{i % 500}.50" for i in range(30_000)]
    path = tmp_path / "名单.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    process = _child(client, tmp_path, code, "file", str(path))
    _kill_after(process, "progress", 3)  # killed mid-load: after 3 of 30 chunks were written

    assert _table_rows(client, code) == []
    with client.db.session() as session:
        assert session.scalar(select(func.count()).select_from(FileLoad)) == 0
        assert session.scalar(select(func.count()).select_from(Batch)) == 0

    with client.app.state.sessions() as session:
        load = service.load_file(session, _manager(client), code, path)
        session.commit()
    assert (load.result["inserted"], load.result["rejected"]) == (30_000, 0)
    assert len(_table_rows(client, code)) == 30_000


def test_kill_during_pushes_loses_no_acknowledged_batch_and_the_retry_converges(data_client, tmp_path):
    import json

    client = data_client
    code = publish(client, items=ITEMS)
    keys = [id_number(i) for i in range(BATCH * 40)]
    key_file = tmp_path / "keys.json"
    key_file.write_text(json.dumps(keys))
    process = _child(client, tmp_path, code, "push", str(key_file))
    lines = _kill_after(process, "ack", 5)
    acked = [int(words[1]) for words in lines if words[0] == "ack"]

    rows = _table_rows(client, code)
    by_batch: dict[str, int] = {}
    for row in rows:
        by_batch[row["batch_id"]] = by_batch.get(row["batch_id"], 0) + 1
    assert set(by_batch.values()) == {BATCH}, "a batch was written in part"
    present = {row["record_key"] for row in rows}
    for batch in acked:
        assert set(keys[batch * BATCH:(batch + 1) * BATCH]) <= present, f"acknowledged batch {batch} lost"

    # The client retries the batch it got no answer for, with the same key: applied once, then answered.
    retry = max(acked) + 1
    body = json.dumps([{"id_number": n, "name": f"居民{retry}", "amount": "1.00"}
                       for n in keys[retry * BATCH:(retry + 1) * BATCH]]).encode()
    results = []
    for _ in range(2):
        with client.app.state.sessions() as session:
            results.append(service.push_records(session, _manager(client), code, body, "application/json",
                                                f"batch-{retry}"))
            session.commit()
    first, second = results
    assert second.replayed and second.body == first.body
    assert first.body["inserted"] + first.body["unchanged"] == BATCH  # whether or not the crash had committed it
    assert len({row["record_key"] for row in _table_rows(client, code)}) == len(present | set(
        keys[retry * BATCH:(retry + 1) * BATCH]))

"""Change events from NATS JetStream (AGG-2), against the real server on 127.0.0.1:4222 (skipped when it is
not reachable): each message one batch through the ingest core, acknowledged only after the commit, a
redelivered message answered from its batch, poison messages terminated — control plane on both databases."""

from __future__ import annotations

import asyncio
import json
import os
import socket

import pytest
from sqlalchemy import MetaData, select

from govdata.aggregation import jetstream, service
from govdata.aggregation.models import Batch, Dataset, StreamRun, StreamSubscription
from govdata.aggregation.tables import dataset_table
from govdata.catalog.models import Resource
from govdata.core import jobs
from govdata.core.audit import AuditEntry
from govdata.org.models import User
from govdata.org.signin import actor_for
from tests.aggregation.test_pulls import ITEMS
from tests.catalog.helpers import publish
from tests.conftest import bearer, csrf_from, login

SERVER = "nats://127.0.0.1:4222"


def _reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 4222), timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _reachable(), reason="no NATS server on 127.0.0.1:4222")


@pytest.fixture
def stream_name(request):
    """A JetStream stream of its own per test, deleted afterwards."""
    import nats
    from nats.js.api import StreamConfig

    name = f"GOVDATA_TEST_{os.getpid()}_{abs(hash(request.node.name)) % 10**8}"

    async def manage(create: bool) -> None:
        nc = await nats.connect(SERVER)
        js = nc.jetstream()
        try:
            await js.delete_stream(name)
        except Exception:  # noqa: BLE001 - absent
            pass
        if create:
            await js.add_stream(StreamConfig(name=name, subjects=[f"{name.lower()}.>"]))
        await nc.close()

    asyncio.run(manage(True))
    yield name
    asyncio.run(manage(False))


def publish_messages(stream: str, messages: list[tuple[str | None, bytes]]) -> None:
    import nats

    async def go() -> None:
        nc = await nats.connect(SERVER)
        js = nc.jetstream()
        for msg_id, data in messages:
            await js.publish(f"{stream.lower()}.licences", data, headers={"Nats-Msg-Id": msg_id} if msg_id else None)
        await nc.close()

    asyncio.run(go())


def records(*rows):
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()


def person(reg_no, name="张三", amount="1.00"):
    return {"reg_no": reg_no, "name": name, "amount": amount}


@pytest.fixture
def subscribed(data_client, stream_name):
    code = publish(data_client, items=ITEMS)
    reply = data_client.post(f"/api/v1/datasets/{code}/streams", headers=bearer(data_client, "ps_manager"), json={
        "name": "证照变更", "stream": stream_name, "subject": f"{stream_name.lower()}.licences",
        "durable": "govdata-licences", "mode": "partial"})
    assert reply.status_code == 201, reply.text
    return data_client, code, reply.json()["id"], stream_name


def consume(client, subscription_id, commit=True, username="ps_manager"):
    with client.db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
    who = actor_for(user, "api")
    with client.app.state.sessions() as session:
        run = service.consume_stream(session, who, subscription_id, timeout=0.5)
        result = {k: getattr(run, k) for k in ("status", "messages", "batches", "replayed", "terminated",
                                               "inserted", "updated", "unchanged", "rejected", "errors", "error")}
        session.commit() if commit else session.rollback()
    return result


def keys(client, code):
    with client.db.session() as session:
        dataset = session.scalar(select(Dataset).join(Resource, Resource.id == Dataset.resource_id)
                                 .where(Resource.code == code))
        table = dataset_table(dataset, MetaData())
        return [(r.record_key, r.record_version) for r in session.execute(
            select(table.c.record_key, table.c.record_version).order_by(table.c.record_key, table.c.record_version))]


def test_messages_are_ingested_once_and_acknowledged_after_the_commit(subscribed):
    client, code, subscription_id, stream = subscribed
    publish_messages(stream, [("m-1", records(person("S1"), person("S2"))),
                              ("m-2", json.dumps([person("S3")]).encode()),
                              (None, records(person("S1", amount="2.00")))])  # no id: keyed by the sequence

    rolled_back = consume(client, subscription_id, commit=False)  # a crash before the commit
    assert (rolled_back["messages"], rolled_back["inserted"]) == (3, 3)
    assert keys(client, code) == []  # nothing kept; the messages were NAKed and come back

    first = consume(client, subscription_id)
    assert {k: first[k] for k in ("status", "messages", "batches", "inserted", "updated")} == {
        "status": "succeeded", "messages": 3, "batches": 3, "inserted": 3, "updated": 1}
    assert keys(client, code) == [("S1", 1), ("S1", 2), ("S2", 1), ("S3", 1)]
    assert consume(client, subscription_id)["messages"] == 0  # acknowledged after the commit

    with client.db.session() as session:
        batches = session.scalars(select(Batch).order_by(Batch.id)).all()
        assert [(b.source, b.idempotency_key, b.medium) for b in batches] == [
            ("stream", "m-1", "ndjson"), ("stream", "m-2", "json"), ("stream", f"seq:{stream}:3", "ndjson")]
        audited = session.scalars(select(AuditEntry.object_type).where(
            AuditEntry.action == "aggregation.consume_stream")).all()
        assert audited.count("dataset") == 3  # one per batch, beside one per consume
        assert audited.count("stream_subscription") == 2  # the rolled-back consume left none


def test_a_redelivered_message_is_answered_from_its_batch(subscribed, monkeypatch):
    client, code, subscription_id, stream = subscribed
    publish_messages(stream, [("m-1", records(person("S1")))])
    # committed, but the acknowledgement never arrived (the process died right after the commit)
    monkeypatch.setattr(jetstream, "ACK", jetstream.NAK)
    assert consume(client, subscription_id)["inserted"] == 1
    monkeypatch.undo()
    again = consume(client, subscription_id)
    assert (again["messages"], again["replayed"], again["batches"], again["inserted"]) == (1, 1, 0, 0)
    assert consume(client, subscription_id)["messages"] == 0
    assert keys(client, code) == [("S1", 1)]
    with client.db.session() as session:
        assert session.scalar(select(Batch.id).where(Batch.id > 1)) is None  # one batch only


def test_poison_messages_are_terminated_and_bad_rows_listed(subscribed):
    client, code, subscription_id, stream = subscribed
    publish_messages(stream, [("m-1", b"{not json"),
                              ("m-2", records(person("S1"), person("S2", amount="1.234")))])
    run = consume(client, subscription_id)
    assert (run["terminated"], run["batches"], run["inserted"], run["rejected"]) == (1, 1, 1, 1)
    assert run["errors"][0]["code"] == "payload_malformed" and run["errors"][0]["key"] == "m-1"
    assert consume(client, subscription_id)["messages"] == 0  # the poison message does not come back
    with client.db.session() as session:
        batch = session.scalar(select(Batch))
        assert batch.result["rejections"][0]["key"] == "S2"


def test_failures_are_recorded_and_the_job_goes_on(subscribed):
    client, code, subscription_id, stream = subscribed
    manager = bearer(client, "ps_manager")
    broken = client.post(f"/api/v1/datasets/{code}/streams", headers=manager, json={
        "name": "不存在的流", "stream": "NO_SUCH_STREAM", "subject": "nowhere.x", "durable": "govdata-x"})
    assert broken.status_code == 201, broken.text
    publish_messages(stream, [("m-1", records(person("S1")))])
    summary = jobs.run(client.app.state.sessions, "consume_streams")
    assert (summary["subscriptions"], summary["succeeded"], summary["failed"], summary["messages"]) == (2, 1, 1, 1)
    assert keys(client, code) == [("S1", 1)]
    with client.db.session() as session:
        failed = session.scalar(select(StreamRun).where(StreamRun.subscription_id == broken.json()["id"]))
        assert failed.status == "failed" and failed.error == "消息服务不可用：消息流不存在"
    runs = client.get(f"/api/v1/datasets/{code}/streams/{subscription_id}/runs", headers=manager)
    assert runs.status_code == 200 and runs.json()[0]["trigger"] == "job"


def test_who_may_subscribe_and_consume(subscribed):
    client, code, subscription_id, stream = subscribed
    hr = bearer(client, "hr_manager")
    body = {"name": "另一个", "stream": stream, "subject": f"{stream.lower()}.x", "durable": "other"}
    assert client.post(f"/api/v1/datasets/{code}/streams", json=body, headers=hr).status_code == 403
    assert client.post(f"/api/v1/datasets/{code}/streams/{subscription_id}/consume", headers=hr).status_code == 403
    refused = client.post(f"/api/v1/datasets/{code}/streams", headers=bearer(client, "ps_manager"),
                          json={**body, "subject": "bad subject"})
    assert refused.status_code == 422
    secret = client.post(f"/api/v1/datasets/{code}/streams", headers=bearer(client, "ps_manager"),
                         json={**body, "server": "nats://user:Pw-S3cret@127.0.0.1:4222"})
    assert secret.status_code == 201 and secret.json()["server"] == "nats://***@127.0.0.1:4222"
    with client.db.session() as session:
        stored = session.get(StreamSubscription, secret.json()["id"])
        assert "Pw-S3cret" not in stored.server_enc and "Pw-S3cret" not in str(
            session.scalars(select(AuditEntry.detail)).all())
    ran = client.post(f"/api/v1/datasets/{code}/streams/{subscription_id}/consume",
                      headers=bearer(client, "ps_manager"))
    assert ran.status_code == 200 and ran.json()["status"] == "succeeded", ran.text


def test_the_sources_page_lists_subscriptions_and_consumes_now(subscribed):
    client, code, subscription_id, stream = subscribed
    publish_messages(stream, [("m-1", records(person("S1"), person("S2")))])
    token = login(client, "ps_manager")
    listing = client.get(f"/aggregation/datasets/{code}/sources")
    assert listing.status_code == 200 and 'data-testid="streams-table"' in listing.text and "尚未消费" in listing.text
    done = client.post(f"/aggregation/datasets/{code}/streams/{subscription_id}/consume", data={"csrf_token": token})
    assert done.status_code == 200 and "已消费消息流" in done.text and "消息 1，批次 1，新增 2" in done.text
    assert keys(client, code) == [("S1", 1), ("S2", 1)]
    login(client, "hr_manager")
    refused = client.post(f"/aggregation/datasets/{code}/streams/{subscription_id}/consume",
                          data={"csrf_token": csrf_from(client.get("/").text)})
    assert refused.status_code == 403

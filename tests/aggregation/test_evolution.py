"""A published structured entry changes through new catalog versions; its dataset table follows them
(new items become columns, longer text items widen theirs) and a change of an item's data type is refused
when the version is submitted, not when it is approved — both databases."""

from __future__ import annotations

from sqlalchemy import inspect

from tests.aggregation.test_push import ITEMS, id_number, push
from tests.catalog.helpers import entry, publish
from tests.conftest import bearer


def _new_version(client, code, items):
    manager = bearer(client, "ps_manager")
    saved = client.put(f"/api/v1/catalog/resources/{code}/draft", json={**entry(items=items),
                                                                       "change_reason": "调整信息项"},
                       headers=manager)
    assert saved.status_code == 200, saved.text
    return client.post(f"/api/v1/catalog/resources/{code}/submit", headers=manager)


def _approve(client, code):
    for who, step in (("ps_reviewer", "pass"), ("admin", "approve")):
        done = client.post(f"/api/v1/catalog/resources/{code}/review", json={"transition": step},
                           headers=bearer(client, who))
        assert done.status_code == 200, done.text


def test_an_items_type_change_is_refused_at_submission(data_client):
    code = publish(data_client, items=ITEMS)
    changed = [dict(item) for item in ITEMS]
    changed[2] = {**changed[2], "data_type": "N", "length": 12}  # amount: 货币型 → 数值型
    refused = _new_version(data_client, code, changed)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "item_type_changed"
    assert problem["errors"][0]["field"] == "items[2].data_type"


def test_new_items_add_columns_and_longer_text_widens_the_column(data_client):
    client = data_client
    code = publish(client, items=ITEMS)
    longer = [dict(item) for item in ITEMS]
    longer[1] = {**longer[1], "length": 200}  # name: 50 → 200 characters
    longer.append({"name": "家庭住址", "field_code": "address", "data_type": "C", "length": 100,
                   "sensitivity": "L3", "pii_kind": "住址"})
    submitted = _new_version(client, code, longer)
    assert submitted.status_code == 200, submitted.text
    _approve(client, code)
    table = "ds_" + code.replace("-", "_").lower()
    columns = {c["name"]: c for c in inspect(client.db.engine).get_columns(table)}
    assert "address" in columns
    name = "长" * 150
    reply = push(client, code, [{"id_number": id_number(1), "name": name, "amount": "1.00", "address": "某路1号"}],
                 headers=bearer(client, "ps_manager"))
    assert reply.status_code == 200, reply.text
    got = client.get(f"/api/v1/datasets/{code}/records/{id_number(1)}", headers=bearer(client, "ps_manager"))
    assert got.json()["values"]["name"] == name

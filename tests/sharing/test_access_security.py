"""The data service API fails closed: every refusal is a 4xx problem+json that carries no data, is recorded,
and no request — unsigned, a person's token, another system, a dead grant, hostile filters, forged cursors —
gets a value the grant masks or omits, or a row outside its scope (SEC-1, SEC-2, SEC-7)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from govdata.sharing.masking import Masker, hash_key
from govdata.sharing.models import Usage
from govdata.systems.models import BusinessSystem
from tests.conftest import TEST_SECRET, bearer
from tests.sharing.grants import make_grant, set_grant
from tests.sharing.helpers import ITEMS, person

PEOPLE = [person(n) for n in range(30)]
KEY = PEOPLE[0]["id_number"]
ENDPOINTS = {  # endpoint -> (path under /api/v1/share/{code}, the access method its grant needs)
    "record": (f"/records/{KEY}", "api"),
    "query": ("/records", "api"),
    "changes": ("/changes", "table"),
    "export": ("/export", "file"),
}


def _grants(shared, **terms):
    return {method: make_grant(shared, access_method=method, **terms) for method in ("api", "table", "file")}


def _get(shared, endpoint, auth=None, headers=None, params=None):
    path, _ = ENDPOINTS[endpoint]
    return shared.client.get(f"/api/v1/share/{shared.code}{path}", auth=auth, headers=headers, params=params)


def _refused(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert not any(p["name"] in response.text or p["mobile"] in response.text for p in PEOPLE)


def test_every_endpoint_refuses_callers_without_a_live_grant_of_their_own(shared):
    grants = _grants(shared)
    consumer = shared.consumer["auth"]
    for endpoint in ENDPOINTS:
        _refused(_get(shared, endpoint), 401, "unauthenticated")
        _refused(_get(shared, endpoint, headers=bearer(shared.client, "hr_manager")), 403, "forbidden")
        _refused(_get(shared, endpoint, auth=shared.provider["auth"]), 403, "share_not_granted")  # other dept
        _refused(shared.client.get("/api/v1/share/NOPE-1/records", auth=consumer), 403, "share_not_granted")
    # Each endpoint serves only the access method its grant was approved for.
    set_grant(shared, grants["table"], access_method="file")
    _refused(_get(shared, "changes", auth=consumer), 403, "share_method_not_granted")
    set_grant(shared, grants["table"], access_method="table")

    today = dt.date.today()
    for values, code in [
        ({"status": "suspended"}, "share_grant_suspended"),
        ({"status": "revoked"}, "share_grant_revoked"),
        ({"valid_until": today - dt.timedelta(days=3)}, "share_grant_expired"),
        ({"valid_from": today + dt.timedelta(days=3), "valid_until": today + dt.timedelta(days=30)},
         "share_grant_expired"),
    ]:
        for grant_id in grants.values():
            set_grant(shared, grant_id, status="active", valid_from=today - dt.timedelta(days=1),
                      valid_until=today + dt.timedelta(days=30))
            set_grant(shared, grant_id, **values)
        for endpoint in ENDPOINTS:
            _refused(_get(shared, endpoint, auth=consumer), 403, code)

    with shared.client.db.session() as session:
        denied = session.scalars(select(Usage).where(Usage.result == "denied")).all()
    reasons = [u.reason for u in denied]
    assert reasons.count("share_not_granted") == 8 and reasons.count("share_grant_revoked") == 4
    assert reasons.count("share_grant_expired") == 8 and reasons.count("share_method_not_granted") == 1
    assert all(u.rows == 0 and u.audit_seq for u in denied)


def test_a_revoked_or_unassessed_system_is_refused_at_sign_in(shared):
    _grants(shared)
    consumer = shared.consumer
    with shared.client.db.session() as session:
        session.execute(update(BusinessSystem).where(BusinessSystem.id == consumer["id"])
                        .values(assessment_valid_until=dt.date.today() - dt.timedelta(days=1)))
        session.commit()
    for endpoint in ENDPOINTS:
        _refused(_get(shared, endpoint, auth=consumer["auth"]), 403, "system_assessment_expired")
    revoked = shared.client.post(f"/api/v1/systems/{consumer['id']}/revoke", json={"reason": "停止使用"},
                                 headers=bearer(shared.client, "admin"))
    assert revoked.status_code == 200, revoked.text
    for endpoint in ENDPOINTS:
        _refused(_get(shared, endpoint, auth=consumer["auth"]), 401, "app_key_revoked")


def test_hostile_filters_item_names_keys_and_cursors_fail_closed(shared):
    _grants(shared, items=["id_number", "name", "county", "birth_date"], masking={"name": "name",
                                                                                  "birth_date": "year"},
            row_scope=[{"item": "county", "op": "in", "value": ["530102", "530103"]}])
    auth = shared.consumer["auth"]
    for endpoint in ("query", "export"):
        for params, status, code in [
            ({"mobile": "eq:13900000001"}, 403, "share_item_not_granted"),  # granted nowhere
            ({"amount": "range:0,"}, 403, "share_item_not_granted"),
            ({"' OR 1=1 --": "eq:1"}, 403, "share_item_not_granted"),
            ({"record_key": f"eq:{KEY}"}, 403, "share_item_not_granted"),  # system columns are no items
            ({"tombstone": "eq:true"}, 403, "share_item_not_granted"),
            ({"name": "prefix:居"}, 403, "share_filter_not_allowed"),  # bisecting a masked name
            ({"birth_date": "eq:1990-01-01"}, 403, "share_filter_not_allowed"),  # year-only item
            ({"county": "like:53%"}, 422, "validation_failed"),
            ({"county": "eq:\x00"}, 422, "validation_failed"),
            ({"county": "in:" + ",".join(str(n) for n in range(51))}, 422, "validation_failed"),
            ({"county": "eq:" + "9" * 5000}, 422, "validation_failed"),
            ({"id_number": "range:a,b"}, 422, "validation_failed"),
        ]:
            _refused(_get(shared, endpoint, auth=auth, params=params), status, code)
        for params in ({"county": "eq:' OR 1=1 --"}, {"county": "prefix:%"}, {"county": "prefix:_"},
                       {"county": "in:530111"}, {"id_number": "prefix:%"}):
            response = _get(shared, endpoint, auth=auth, params=params)
            assert response.status_code == 200, (params, response.text)
            assert "居" not in response.text  # nothing matched: no row at all
    # A masked item takes no filter at all: "is the hidden name one of these?" is how it would be read back.
    _refused(_get(shared, "query", auth=auth, params={"name": "in:居民0,居民2"}), 403, "share_filter_not_allowed")

    # Keys: one outside the scope, an injection, a path trick, one too long.
    outside = next(p for p in PEOPLE if p["county"] == "530111")["id_number"]
    base = f"/api/v1/share/{shared.code}/records/"
    for key in (outside, "' OR '1'='1", quote("../changes", safe=""), "%00", "1%27--", "%FF", "%ED%A0%80"):
        _refused(shared.client.get(base + key, auth=auth), 404, "not_found")
    _refused(shared.client.get(base + "9" * 600, auth=auth), 422, "validation_failed")

    # Cursors: forged, altered, or minted for another grant are refused, never trusted.
    first = _get(shared, "query", auth=auth, params={"limit": 2}).json()
    cursor = first["next_cursor"]
    altered = cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB")
    other = make_grant(shared, items=["county"])  # a newer api grant: the one now in force
    for forged in (altered, "x" * 40, "%%%", "c200Z2NtOnYxOg", cursor):
        _refused(_get(shared, "query", auth=auth, params={"cursor": forged}), 422, "share_cursor_invalid")
    set_grant(shared, other, status="revoked")
    assert _get(shared, "query", auth=auth, params={"cursor": cursor}).status_code == 200
    for params in ({"since": "-1"}, {"since": "x"}, {"limit": "0"}, {"limit": "100000"}):
        _refused(_get(shared, "changes", auth=auth, params=params), 422, "validation_failed")
    _refused(_get(shared, "export", auth=auth, params={"format": "pdf"}), 422, "validation_failed")


# --- the property: nothing masked, omitted or out of scope ever leaves -----------------------------------

GRANTED = ["id_number", "name", "mobile", "birth_date", "county"]  # not amount
MASKING = {"id_number": "id_number", "name": "name", "mobile": "hash", "birth_date": "year"}
SCOPE = ("530102", "530103")
CODES = [item["field_code"] for item in ITEMS] + ["row_id", "record_key", "x' OR 1=1--"]
VALUES = st.one_of(
    st.sampled_from([p[f] for p in PEOPLE for f in ("id_number", "name", "mobile", "birth_date", "amount")]),
    st.sampled_from(["530111", "%", "_", "' OR 1=1 --", "1990-01-01,", ",2000-01-01", "居民1,居民2"]),
    st.text(max_size=30),
)
FILTER = st.tuples(st.sampled_from(CODES), st.sampled_from(["eq", "in", "prefix", "range", "zz"]), VALUES)
REQUEST = st.fixed_dictionaries({
    "endpoint": st.sampled_from(list(ENDPOINTS)),
    "key": st.one_of(st.sampled_from([p["id_number"] for p in PEOPLE]), st.text(min_size=1, max_size=40)),
    "filters": st.lists(FILTER, max_size=3),
    "limit": st.integers(1, 40),
})


def _forbidden_strings(shared) -> list[str]:
    """Every clear value the grant masks or omits, and every trace of a row outside the scope."""
    with shared.client.db.session() as session:
        department = session.get(BusinessSystem, shared.consumer["id"]).department_id
    masker = Masker({"mobile": "hash", "id_number": "hash"}, hash_key(TEST_SECRET, department))
    hidden = [p[f] for p in PEOPLE for f in ("id_number", "name", "mobile", "birth_date", "amount")]
    outside = [masker.apply(p) for p in PEOPLE if p["county"] not in SCOPE]
    return hidden + [p["mobile"] for p in outside] + [p["id_number"] for p in outside]  # digests


def _rows(response) -> list[dict]:
    if response.headers["content-type"].startswith("text/csv"):
        lines = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        return [{k: v for k, v in line.items() if k not in ("key", "key_hash")} for line in lines]
    body = response.json()
    found = [body.get("values")] + [r["values"] for r in body.get("records", [])]
    return [v for v in found + [c.get("values") for c in body.get("changes", [])] if v]


def test_no_response_ever_carries_a_masked_omitted_or_out_of_scope_value(shared):
    _grants(shared, items=GRANTED, masking=MASKING,
            row_scope=[{"item": "county", "op": "in", "value": list(SCOPE)}])
    forbidden = _forbidden_strings(shared)
    auth = shared.consumer["auth"]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(REQUEST)
    def probe(request):
        endpoint = request["endpoint"]
        params = [(item, f"{op}:{value}") for item, op, value in request["filters"]]
        params.append(("limit", str(request["limit"])))
        if endpoint == "record":
            path = f"/records/{quote(request['key'], safe='')}"
        else:
            path = ENDPOINTS[endpoint][0]
        response = shared.client.get(f"/api/v1/share/{shared.code}{path}", params=params, auth=auth)
        assert response.status_code < 500, response.text
        text = response.text
        if response.status_code != 200:  # a problem's ``instance`` is the caller's own path, key included
            problem = {k: v for k, v in response.json().items() if k != "instance"}
            text = json.dumps(problem, ensure_ascii=False)
        leaked = [value for value in forbidden if value in text]
        assert not leaked, (request, leaked)
        if response.status_code == 200:
            for values in _rows(response):
                assert set(values) <= set(GRANTED) and values["county"] in SCOPE
                assert values["birth_date"] in (None, "", "1990")

    probe()
    with shared.client.db.session() as session:
        entries = session.scalars(select(Usage)).all()
    assert entries and all(u.audit_seq for u in entries)  # every probe, served or refused, is on record


def test_a_replayed_signed_call_is_refused_recorded_and_answered_with_no_data(shared):
    """The nonce of a data-service call is claimed with the call's own record: the same signed request sent
    again (a replay) gets 401 nonce_reused and no values, for the key lookup (served on the event loop) and
    for a query (a worker thread); each replay is on record as refused."""
    from govdata.core.audit import AuditEntry
    from govdata.core.signing import signed_headers

    _grants(shared)
    app_key, secret = shared.consumer["app_key"], shared.consumer["app_secret"]
    for path, query in ((f"/api/v1/share/{shared.code}/records/{KEY}", ""),
                        (f"/api/v1/share/{shared.code}/records", "county=eq%3A530102")):
        headers = signed_headers(app_key, secret, "GET", path, query, b"")
        url = f"{path}?{query}" if query else path
        first = shared.client.get(url, headers=headers)
        assert first.status_code == 200, first.text
        again = shared.client.get(url, headers=headers)
        _refused(again, 401, "nonce_reused")
    with shared.client.db.session() as session:
        reasons = session.scalars(select(Usage.reason).where(Usage.system_id == shared.consumer["id"])
                                  .order_by(Usage.id)).all()
        assert reasons == [None, "nonce_reused", None, "nonce_reused"]
        refused = session.scalars(select(AuditEntry).where(AuditEntry.action.like("sharing.%"),
                                                           AuditEntry.result == "denied")).all()
        assert [e.detail["reason"] for e in refused] == ["nonce_reused", "nonce_reused"]
        assert all("count" in e.data_content and e.data_content["count"] == 0 for e in refused)


def test_a_withdrawn_entry_is_shared_no_more_whatever_its_grants(shared):
    """Once the big data center approves the withdrawal of a catalog entry, live grants of it give nothing."""
    _grants(shared)
    assert _get(shared, "record", auth=shared.consumer["auth"]).status_code == 200
    manager, admin = bearer(shared.client, "ps_manager"), bearer(shared.client, "admin")
    asked = shared.client.post(f"/api/v1/catalog/resources/{shared.code}/withdrawal", json={"reason": "业务停办"},
                               headers=manager)
    assert asked.status_code == 200, asked.text
    decided = shared.client.post(f"/api/v1/catalog/resources/{shared.code}/withdrawal/decision",
                                 json={"transition": "approve"}, headers=admin)
    assert decided.status_code == 200, decided.text
    for endpoint in ENDPOINTS:
        _refused(_get(shared, endpoint, auth=shared.consumer["auth"]), 403, "share_resource_withdrawn")
    with shared.client.db.session() as session:
        reasons = session.scalars(select(Usage.reason).where(Usage.result == "denied")).all()
        assert reasons.count("share_resource_withdrawn") == len(ENDPOINTS)

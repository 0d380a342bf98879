"""A masked value cannot be read back (issue 11, finding 1; SEC-7, SEC-2, SUP-5).

The attack of the adversarial review, tried as a consumer holding a legitimate grant: list the candidates a
masked identity number leaves (its kept ends and a valid check digit), then ask the data service whether the
hidden value is among them — by ``in:`` and halving, by ``eq:``, by key lookups, through an export — until
one candidate is left. Each way now fails closed: filters on masked items are refused, lookups by a masked
key are verifications with a budget of misses, the audit log keeps digests of what was probed, and masks
that combine to restore a value are refused when the provider sets the terms."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from sqlalchemy import MetaData, select

from govdata.core.jobs import job_actor
from govdata.core.audit import AuditEntry
from govdata.core.validators import resident_id_check_char
from govdata.sharing.masking import mask_value, probe_digest, probe_key
from govdata.sharing.models import Usage
from govdata.sharing.service import detect_misuse
from govdata.aggregation.models import Dataset, Finding
from govdata.aggregation.tables import dataset_table
from govdata.core.errors import DomainError
from govdata.sharing import demo as sharing_demo
from govdata.sharing import service as sharing_service
from govdata.sharing.models import Grant
from govdata.systems.models import BusinessSystem
from govdata.systems.signin import system_actor
from tests.conftest import TEST_SECRET, bearer
from tests.sharing.grants import make_grant
from tests.sharing.helpers import person
from tests.sharing.test_requests import application

PEOPLE = [person(n) for n in range(30)]
VICTIM = PEOPLE[7]


def _candidates(masked: str, year: int) -> list[str]:
    """Every identity number the mask ``masked`` (6 + 4 kept) allows for someone born in ``year``: the
    attacker's starting list (about 33)."""
    head, tail = masked[:6], masked[-4:]
    found = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        body = f"{head}{day:%Y%m%d}{tail[:3]}"
        if resident_id_check_char(body) == tail[3]:
            found.append(body + tail[3])
        day += dt.timedelta(days=1)
    return found


def _get(shared, path, params=None):
    return shared.client.get(f"/api/v1/share/{shared.code}{path}", auth=shared.consumer["auth"], params=params)


def _refused(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def test_the_reviews_bisection_attack_recovers_nothing(shared):
    make_grant(shared, items=["id_number", "name", "county"], masking={"id_number": "id_number", "name": "name"})
    make_grant(shared, items=["id_number", "name", "county"], masking={"id_number": "id_number", "name": "name"},
               access_method="file")
    masked = mask_value("id_number", VICTIM["id_number"])
    candidates = _candidates(masked, 1990)
    assert VICTIM["id_number"] in candidates and 20 < len(candidates) < 50

    # halving the list by the count of matches, or one candidate a call: refused before anything is read
    half = candidates[: len(candidates) // 2]
    for params in ({"id_number": "in:" + ",".join(half)}, {"id_number": f"eq:{VICTIM['id_number']}"},
                   {"id_number": f"prefix:{VICTIM['id_number'][:10]}"},
                   {"id_number": f"range:{candidates[0]},{candidates[5]}"}, {"name": "eq:居民7"},
                   {"county": "eq:530102", "id_number": "in:" + ",".join(candidates[:3])}):
        _refused(_get(shared, "/records", params), 403, "share_filter_not_allowed")
        _refused(_get(shared, "/export", params), 403, "share_filter_not_allowed")

    # a lookup by the masked key is a verification: the consumer holding the whole value gets the record...
    hit = _get(shared, f"/records/{VICTIM['id_number']}")
    assert hit.status_code == 200 and hit.json()["values"]["id_number"] == masked
    assert "key" not in hit.json()  # the key itself is masked: key_hash stands for it
    # ...one guessing through the list misses, and after the day's budget of misses is refused outright
    wrong = [c for c in candidates if c != VICTIM["id_number"]]
    for guess in wrong[:10]:
        _refused(_get(shared, f"/records/{guess}"), 404, "not_found")
    refused = _get(shared, f"/records/{wrong[10]}")
    _refused(refused, 429, "share_verify_misses_exceeded")
    assert int(refused.headers["Retry-After"]) > 0
    _refused(_get(shared, f"/records/{VICTIM['id_number']}"), 429, "share_verify_misses_exceeded")  # even a hit

    # the audit log keeps a keyed digest of every value probed, never the value
    key = probe_key(TEST_SECRET)
    with shared.client.db.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action.startswith("sharing."))).all()
        dumped = json.dumps([[e.data_content, e.detail] for e in entries], ensure_ascii=False)
        assert not any(c in dumped for c in candidates)
        assert probe_digest(key, VICTIM["id_number"]) in dumped  # the verification and the eq: probe
        assert all(probe_digest(key, c) in dumped for c in half)  # the in: probe, though refused
        assert all(probe_digest(key, c) in dumped for c in wrong[:11])  # every missed and refused lookup
        reasons = [u.reason for u in session.scalars(select(Usage).order_by(Usage.id))]
        assert reasons.count("share_filter_not_allowed") == 12 and reasons.count("not_found") == 10
        # the supervisor learns of it: the misuse check records an enumeration finding (Art. 26 (5))
        assert detect_misuse(session, job_actor())["recorded"] >= 1
        session.commit()
        rules = set(session.scalars(select(Finding.detail["rule"].as_string()).where(Finding.kind == "misuse")))
    assert "enumeration" in rules


def test_a_lookup_by_a_key_in_clear_has_no_budget(shared):
    """Verification budgets concern masked keys only: a consumer that sees the keys has nothing to guess."""
    make_grant(shared, items=["id_number", "county"], masking={})
    for n in range(15):
        _refused(_get(shared, f"/records/53010219900101{n:04d}"), 404, "not_found")
    assert _get(shared, f"/records/{VICTIM['id_number']}").status_code == 200


def test_a_masked_key_pages_in_write_order_and_cursors_are_bound_to_their_query(shared):
    """Key order would tell the consumer how the hidden keys sort; write order tells nothing of them."""
    late = [person(n) for n in (120, 101, 117, 104)]  # pushed after the others, not in key order
    pushed = shared.client.post(f"/api/v1/datasets/{shared.code}/records", auth=shared.provider["auth"],
                                content=json.dumps(late, ensure_ascii=False).encode(),
                                headers={"Content-Type": "application/json"})
    assert pushed.status_code == 200, pushed.text
    make_grant(shared, items=["id_number", "county", "amount"], masking={"id_number": "hash"})
    written = [p["amount"] for p in PEOPLE + late]  # amounts are unique
    by_key = [p["amount"] for p in sorted(PEOPLE + late, key=lambda p: p["id_number"])]
    seen, cursor = [], None
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        page = _get(shared, "/records", params).json()
        assert all("key" not in r and len(r["key_hash"]) == 64 for r in page["records"])
        seen += [r["values"]["amount"] for r in page["records"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == written and seen != by_key

    # a cursor minted for one query is refused on another (it would page a different result)
    first = _get(shared, "/records", {"limit": 2, "county": "eq:530102"}).json()
    _refused(_get(shared, "/records", {"limit": 2, "county": "eq:530103", "cursor": first["next_cursor"]}),
             422, "share_cursor_invalid")
    again = _get(shared, "/records", {"county": "eq:530102", "limit": 2, "cursor": first["next_cursor"]})
    assert again.status_code == 200 and again.json()["records"]


def test_a_hashed_item_is_matched_by_the_digest_it_was_given_only(shared):
    make_grant(shared, items=["id_number", "mobile", "county"], masking={"mobile": "hash"})
    make_grant(shared, items=["id_number", "mobile", "county"], masking={"mobile": "hash"}, access_method="file")
    listed = _get(shared, "/records", {"limit": 100}).json()["records"]
    target = next(r for r in listed if r["key"] == VICTIM["id_number"])
    digest = target["values"]["mobile"]
    assert len(digest) == 64 and VICTIM["mobile"] not in json.dumps(listed)

    found = _get(shared, "/records", {"mobile": f"eq:{digest}"}).json()
    assert [r["key"] for r in found["records"]] == [VICTIM["id_number"]]
    other = next(r for r in listed if r["key"] == PEOPLE[3]["id_number"])["values"]["mobile"]
    both = _get(shared, "/records", {"mobile": f"in:{digest},{other.upper()}"}).json()
    assert {r["key"] for r in both["records"]} == {VICTIM["id_number"], PEOPLE[3]["id_number"]}
    exported = _get(shared, "/export", {"mobile": f"eq:{digest}", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r["key"] for r in rows] == [VICTIM["id_number"]]

    # the clear value is no digest; other operators would bisect the digest's preimage order
    _refused(_get(shared, "/records", {"mobile": f"eq:{VICTIM['mobile']}"}), 422, "validation_failed")
    _refused(_get(shared, "/records", {"mobile": f"prefix:{digest[:4]}"}), 403, "share_filter_not_allowed")
    _refused(_get(shared, "/records", {"mobile": f"range:{digest},"}), 403, "share_filter_not_allowed")


def test_masks_that_restore_an_identity_number_are_refused_with_the_reason(shared):
    client = shared.client
    hr, ps_rev = bearer(client, "hr_manager"), bearer(client, "ps_reviewer")
    made = client.post("/api/v1/sharing/requests", headers=hr, json=application(
        shared.code, shared.consumer["id"], items=["id_number", "name", "birth_date", "county"]))
    assert made.status_code == 201, made.text
    review = f"/api/v1/sharing/requests/{made.json()['id']}/review"
    for rule in (None, "year"):
        masking = {"id_number": "id_number", "name": "name", **({"birth_date": rule} if rule else {})}
        answer = client.post(review, headers=ps_rev, json={"transition": "pass", "terms": {"masking": masking}})
        assert answer.status_code == 422, answer.text
        error = answer.json()["errors"][0]
        assert error["field"] == "masking.birth_date" and "推算出完整号码" in error["message"]
    # the default terms are safe: the birth date is emptied beside the identity number's kept ends
    passed = client.post(review, headers=ps_rev, json={"transition": "pass", "terms": {"rate_per_minute": 60}})
    assert passed.status_code == 200, passed.text
    assert passed.json()["terms"]["masking"] == {"id_number": "id_number", "name": "name", "birth_date": "null"}


# --- every grant of the demo city, attacked the same way ------------------------------------------------

_OPS = ("eq", "in", "prefix", "range")


def _attack_filters(session, actor, grant, item, rule, truth):
    """Every operator on the masked ``item``, naming the true value (the attacker's luckiest guess): each
    call must be refused — 403 ``share_filter_not_allowed``, or 422 for a clear value against a hashed item."""
    endpoint = {"api": sharing_service.query_records, "file": sharing_service.export_records}.get(
        grant.access_method)
    if endpoint is None:
        return 0
    tried = 0
    for op in _OPS:
        raw = f"{truth},{truth}" if op in ("in", "range") else truth
        args = (grant.resource_code, [(item, f"{op}:{raw}")], None, 50) if grant.access_method == "api" else (
            grant.resource_code, "csv", [(item, f"{op}:{raw}")])
        try:
            result = endpoint(session, actor, *args)
        except DomainError as exc:
            expected = {"share_filter_not_allowed"} | ({"validation_failed"} if rule == "hash" else set())
            assert exc.code in expected, (grant.resource_code, item, op, exc.code)
            tried += 1
            continue
        if isinstance(result, sharing_service.Export):
            result.file.close()
        raise AssertionError(f"{grant.resource_code}: a filter {op} on masked {item} ({rule}) was served")
    return tried


def _outputs(session, actor, grant):
    """Every record the grant serves, as the consumer gets it (values by item)."""
    code = grant.resource_code
    if grant.access_method == "api":
        page = sharing_service.query_records(session, actor, code, [], None, 1000)
        return [r["values"] for r in page["records"]]
    if grant.access_method == "table":
        feed = sharing_service.read_changes(session, actor, code, 0, 1000)
        return [c["values"] for c in feed["changes"] if c["op"] == "upsert"]
    export = sharing_service.export_records(session, actor, code, "csv", [])
    try:
        return list(csv.DictReader(io.StringIO(export.file.read().decode("utf-8-sig"))))
    finally:
        export.file.close()


def test_no_masked_value_of_any_demo_grant_is_recovered(data_client):
    from tests.sharing.test_demo import _small_city

    with data_client.db.session() as session:
        _small_city(session)
        sharing_demo.load(session)
        session.commit()
        grants = [g for g in session.scalars(select(Grant)) if g.masking and g.effective_status() == "active"]
        assert len(grants) >= 2 and {g.access_method for g in grants} >= {"api", "table", "file"}
        for grant in grants:  # a generous grant: the limits must not be what stops the attack
            grant.rate_per_minute, grant.daily_quota = 10_000, 1_000_000
        session.commit()
        attacked = 0
        for grant in grants:
            actor = system_actor(session.get(BusinessSystem, grant.system_id), "127.0.0.1", None, "attacker")
            dataset = session.scalar(select(Dataset).where(Dataset.resource_id == grant.resource_id))
            table = dataset_table(dataset, MetaData(), session.get_bind().dialect.name)
            masked = {i: r for i, r in grant.masking.items() if i in grant.items}
            truth = {i: {str(v) for v in session.scalars(select(table.c[i])) if v not in (None, "")}
                     for i in masked}
            # nothing masked ever leaves in clear, whatever the endpoint
            for values in _outputs(session, actor, grant):
                for item in masked:
                    assert str(values.get(item)) not in truth[item], (grant.resource_code, item)
            # and no filter on a masked item answers whether the hidden value is the one guessed
            for item, rule in masked.items():
                for value in sorted(truth[item])[:3]:
                    attacked += _attack_filters(session, actor, grant, item, rule, value)
            session.commit()
        assert attacked >= 20

"""Inference attacks on the data service and signed calls, found by an adversarial review of the first
hardening (issue 11) and kept as tests: a consumer with a legitimate grant, or a department manager,
trying to rebuild masked identity numbers from birth information in any form, to outrun the verification
budget with bursts or more systems, to get probed values into the audit log, to fill it, or to join a key
the grant empties with another grant. Each test asserts the safe behaviour and says what the attack would
gain; each failed before the fix it keeps in place."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import json
import sqlite3
import threading
import time

import httpx
from sqlalchemy import func, select

from govdata.aggregation.models import Finding
from govdata.client import SM3Auth
from govdata.core.audit import AuditEntry
from govdata.core.jobs import job_actor
from govdata.core.validators import resident_id_check_char
from govdata.sharing.masking import combination_problems
from govdata.sharing.service import detect_misuse
from tests.catalog.helpers import publish
from tests.conftest import bearer
from tests.sharing.grants import make_grant
from tests.sharing.helpers import ITEMS, Shared, person, shared_resource, system
from tests.sharing.test_requests import application

PEOPLE = [person(n) for n in range(30)]


def _get(shared, path, params=None, auth=None, headers=None):
    return shared.client.get(f"/api/v1/share/{shared.code}{path}", auth=auth or shared.consumer["auth"],
                             params=params, headers=headers)


def _all_records(shared, auth=None):
    records, cursor = [], None
    while True:
        page = _get(shared, "/records", {"limit": 1000, **({"cursor": cursor} if cursor else {})}, auth=auth)
        assert page.status_code == 200, page.text
        records += page.json()["records"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return records


def _audit_dump(client) -> str:
    with client.db.session() as session:
        entries = session.scalars(select(AuditEntry)).all()
        return json.dumps([[e.action, e.data_content, e.detail] for e in entries], ensure_ascii=False)


def _dates(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _fits(masked_id: str, day: dt.date) -> bool:
    """Whether a birth date agrees with the kept ends (6 + 4) of a masked identity number: check digit."""
    head, tail = masked_id[:6], masked_id[-4:]
    return resident_id_check_char(f"{head}{day:%Y%m%d}{tail[:3]}") == tail[3]


# =========================================================================================================
# 1. HIGH — a hashed birth date beside an identity number that keeps its ends gives the numbers back.
#
# The terms checker refuses a birth date in clear or by year beside id_number(6+4) and tells the provider
# to "empty or HASH" it instead. But the keyed hash is deterministic per consumer department and a birth
# date has only ~36,500 values: the digest is a pseudonym of the day, not a secret. The consumer learns the
# digest of a day from any person it already holds: a verification HIT costs nothing from the budget and
# answers with that person's birth-date digest (the day is digits 7-14 of the number it looked up). Every
# other record carrying that digest then has its hidden 8 digits known: the whole number follows, offline.
# A social-security consumer holds millions of insured people, so it learns nearly every day's digest and
# unmasks everyone else in the register (the uninsured, the ones the grant is meant to hide).
# =========================================================================================================


def test_hashed_birth_date_beside_kept_id_ends_cannot_restore_identity_numbers(shared):
    client = shared.client
    hr, ps_rev = bearer(client, "hr_manager"), bearer(client, "ps_reviewer")
    made = client.post("/api/v1/sharing/requests", headers=hr, json=application(
        shared.code, shared.consumer["id"], items=["id_number", "birth_date", "county"]))
    assert made.status_code == 201, made.text
    masking = {"id_number": "id_number", "birth_date": "hash"}
    answer = client.post(f"/api/v1/sharing/requests/{made.json()['id']}/review", headers=ps_rev,
                         json={"transition": "pass", "terms": {"masking": masking}})
    if answer.status_code == 422:
        return  # the terms refuse the combination: safe
    assert answer.status_code == 200, answer.text  # accepted: the checker's own advice ("置空或散列")
    make_grant(shared, items=["id_number", "birth_date", "county"], masking=masking)

    # one person the consumer already holds, verified (a hit: no budget spent)
    known = PEOPLE[0]["id_number"]
    hit = _get(shared, f"/records/{known}")
    assert hit.status_code == 200, hit.text
    dictionary = {hit.json()["values"]["birth_date"]: dt.date.fromisoformat(
        f"{known[6:10]}-{known[10:12]}-{known[12:14]}")}
    # everyone else born that day, from one listing
    recovered = set()
    for r in _all_records(shared):
        day = dictionary.get(r["values"]["birth_date"])
        masked = r["values"]["id_number"]
        if day is not None and _fits(masked, day):
            recovered.add(f"{masked[:6]}{day:%Y%m%d}{masked[-4:]}")
    unknown = {p["id_number"] for p in PEOPLE} - {known}
    assert not (recovered & unknown), (
        f"{len(recovered & unknown)} identity numbers the consumer never held rebuilt from one verification")


# =========================================================================================================
# 2. CRITICAL — a birth date kept as text (字符型 C, e.g. 出生日期 "19900101", very common in registers) is
#    not a birth date to the combination check (``is_birth_date`` looks at D/T items only). The DEFAULT
#    terms then grant it in clear beside id_number(6+4): the consumer reads every whole identity number
#    straight off the listing.
# =========================================================================================================

TEXT_BIRTH_ITEMS = [dict(i, data_type="C", length=8) if i["field_code"] == "birth_date" else i for i in ITEMS]


def _text_birth_resource(data_client, items=TEXT_BIRTH_ITEMS, rows=None):
    shared = shared_resource(data_client, rows=0, items=items)
    rows = rows or [{**p, "birth_date": p["birth_date"].replace("-", "")} for p in PEOPLE]
    pushed = shared.client.post(f"/api/v1/datasets/{shared.code}/records", auth=shared.provider["auth"],
                                content=json.dumps(rows, ensure_ascii=False).encode(),
                                headers={"Content-Type": "application/json"})
    assert pushed.status_code == 200, pushed.text
    return shared


def test_a_birth_date_kept_as_text_is_masked_beside_kept_id_ends(data_client):
    shared = _text_birth_resource(data_client)
    client = shared.client
    hr, ps_rev = bearer(client, "hr_manager"), bearer(client, "ps_reviewer")
    made = client.post("/api/v1/sharing/requests", headers=hr, json=application(
        shared.code, shared.consumer["id"], items=["id_number", "birth_date", "county"]))
    assert made.status_code == 201, made.text
    passed = client.post(f"/api/v1/sharing/requests/{made.json()['id']}/review", headers=ps_rev,
                         json={"transition": "pass", "terms": {"rate_per_minute": 60}})  # default masking
    assert passed.status_code == 200, passed.text
    masking = passed.json()["terms"]["masking"]
    make_grant(shared, items=["id_number", "birth_date", "county"], masking=masking)
    rebuilt = {r["values"]["id_number"][:6] + str(r["values"]["birth_date"]) + r["values"]["id_number"][-4:]
               for r in _all_records(shared)}
    truth = {p["id_number"] for p in PEOPLE}
    assert masking.get("birth_date") in ("null", "hash") and not (rebuilt & truth), (
        f"default masking {masking}: {len(rebuilt & truth)} whole identity numbers read off the listing")


# =========================================================================================================
# 3. MEDIUM — the refused ``year`` mask, in disguise: a birth YEAR kept in an item of its own (出生年份,
#    整型 I) or an age (年龄) beside id_number(6+4) is accepted, and leaves ~33 candidates per person
#    (~100 for an age), which is exactly why the year mask is refused.
# =========================================================================================================


def test_a_birth_year_item_beside_kept_id_ends_is_refused(data_client):
    items = ITEMS + [{"name": "出生年份", "field_code": "birth_year", "data_type": "I", "sensitivity": "L2"}]
    shared = shared_resource(data_client, rows=0, items=items)
    client = shared.client
    hr, ps_rev = bearer(client, "hr_manager"), bearer(client, "ps_reviewer")
    made = client.post("/api/v1/sharing/requests", headers=hr, json=application(
        shared.code, shared.consumer["id"], items=["id_number", "birth_year", "county"]))
    assert made.status_code == 201, made.text
    answer = client.post(f"/api/v1/sharing/requests/{made.json()['id']}/review", headers=ps_rev,
                         json={"transition": "pass", "terms": {"masking": {"id_number": "id_number"}}})
    assert answer.status_code == 422, f"accepted: {answer.json()['terms']['masking']} with birth_year in clear"


# =========================================================================================================
# 4. HIGH — an identity number masked by another rule than ``id_number`` escapes the combination check.
#    ``mobile`` fits a text item and keeps 3 + 4 characters: beside a birth date in clear only digits 4-6
#    (the rest of the region code) are hidden. Region codes under one 3-digit prefix are a public list of
#    a dozen or so (GB/T 2260) and the check digit keeps one in eleven: mostly ONE candidate, verified in
#    one lookup (a hit costs no budget).
# =========================================================================================================

_REGIONS_110 = ["110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111", "110112",
                "110113", "110114", "110115", "110116", "110117", "110118", "110119"]


def test_an_identity_number_under_the_mobile_rule_beside_a_birth_date_is_refused(shared):
    client = shared.client
    hr, ps_rev = bearer(client, "hr_manager"), bearer(client, "ps_reviewer")
    made = client.post("/api/v1/sharing/requests", headers=hr, json=application(
        shared.code, shared.consumer["id"], items=["id_number", "birth_date", "county"]))
    assert made.status_code == 201, made.text
    masking = {"id_number": "mobile"}
    answer = client.post(f"/api/v1/sharing/requests/{made.json()['id']}/review", headers=ps_rev,
                         json={"transition": "pass", "terms": {"masking": masking}})
    if answer.status_code == 422:
        return
    assert answer.status_code == 200, answer.text
    make_grant(shared, items=["id_number", "birth_date", "county"], masking=masking)
    recovered, misses = set(), 0
    for r in _all_records(shared):
        masked, born = r["values"]["id_number"], r["values"]["birth_date"].replace("-", "")
        for region in (c for c in _REGIONS_110 if c.startswith(masked[:3])):
            body = f"{region}{born}{masked[-4:-1]}"
            if resident_id_check_char(body) != masked[-1]:
                continue
            if _get(shared, f"/records/{body}{masked[-1]}").status_code == 200:
                recovered.add(body + masked[-1])
                break
            misses += 1
    assert not recovered, f"{len(recovered)} of {len(PEOPLE)} whole numbers verified, {misses} misses spent"


# =========================================================================================================
# 5. HIGH — the verification budget is checked against misses already COMMITTED. A lookup is served on the
#    event loop and its usage row is written by the group commit while the loop serves the next request,
#    so lookups sent at once are all checked before any of their misses is on record: one burst (up to the
#    grant's rate per minute, 600 by default) tries a whole candidate list whatever the daily budget.
# =========================================================================================================


def _wrong_candidates(victim: str, count: int) -> list[str]:
    head, tail = victim[:6], victim[-4:]
    found = []
    for day in _dates(dt.date(1990, 1, 2), dt.date(1992, 12, 31)):
        body = f"{head}{day:%Y%m%d}{tail[:3]}"
        if resident_id_check_char(body) == tail[3]:
            found.append(body + tail[3])
        if len(found) == count:
            return found
    return found


async def _burst(app, auth, paths):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", auth=auth) as http:
        return await asyncio.gather(*(http.get(p) for p in paths))


def _hold_write_lock(db_url: str, seconds: float) -> threading.Thread:
    """Another writer on the platform (a provider's file load, SQLite's one write lock) for ``seconds``."""
    started = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=30)
        conn.execute("BEGIN IMMEDIATE")
        started.set()
        time.sleep(seconds)
        conn.rollback()
        conn.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    started.wait(5)
    return thread


def test_lookups_sent_at_once_cannot_outrun_the_miss_budget(shared):
    make_grant(shared, items=["id_number", "county"], masking={"id_number": "id_number"})
    budget = shared.client.app.state.settings.share_verify_misses_per_day
    guesses = _wrong_candidates(PEOPLE[7]["id_number"], 10 * budget)
    paths = [f"/api/v1/share/{shared.code}/records/{g}" for g in guesses]
    # the commit of the misses is slow for a moment (here: another write holds SQLite's lock; on PostgreSQL
    # the loop flushes only once the requests ready have run): every lookup of the burst is checked first
    holder = _hold_write_lock(shared.client.db.url, 1.5) if shared.client.db.backend == "sqlite" else None
    # in a thread of its own: a loop of an earlier test (Playwright's) may still be set in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        answers = pool.submit(asyncio.run, _burst(shared.client.app, shared.consumer["auth"], paths)).result()
    if holder:
        holder.join()
    served = [a.status_code for a in answers]
    assert set(served) <= {404, 429}, served
    with shared.client.db.session() as session:  # and, no lookup having been refused, nobody is told
        detect_misuse(session, job_actor())
        session.commit()
        rules = set(session.scalars(select(Finding.detail["rule"].as_string()).where(Finding.kind == "misuse")))
    assert served.count(404) <= budget and "enumeration" in rules, (
        f"{served.count(404)} misses answered against a budget of {budget}; misuse findings: {rules or 'none'}")


# =========================================================================================================
# 6. MEDIUM — the miss budget is counted per GRANT, but the secret guessed (a person's identity number) is
#    the consumer department's to guess once. Every further grant — a second system of the department, a
#    renewed application, or another resource keyed by the same numbers (the person is in many registers;
#    a hit there gives the whole number, usable everywhere) — brings a fresh budget the same day.
# =========================================================================================================


def test_a_second_system_of_the_department_does_not_get_a_fresh_miss_budget(shared):
    make_grant(shared, items=["id_number", "county"], masking={"id_number": "id_number"})
    budget = shared.client.app.state.settings.share_verify_misses_per_day
    guesses = _wrong_candidates(PEOPLE[7]["id_number"], 3 * budget)
    for guess in guesses[:budget]:
        assert _get(shared, f"/records/{guess}").status_code == 404
    assert _get(shared, f"/records/{guesses[budget]}").status_code == 429  # first system: spent
    second = system(shared.client, "hr_manager", name="社保待遇资格认证系统（二期）", purpose="社保待遇资格认证中核验身份")
    make_grant(shared, system_id=second["id"], items=["id_number", "county"], masking={"id_number": "id_number"})
    served = [_get(shared, f"/records/{g}", auth=second["auth"]).status_code for g in guesses[budget:2 * budget]]
    assert 404 not in served, f"the department guessed {budget + served.count(404)} times against a budget of {budget}"


# =========================================================================================================
# 7. MEDIUM — "audit keeps probe digests, never probed values": the OPERATOR part of a filter is written
#    to the audit entry as typed (``op[:10]``), before the filter is refused; so is the item name of a
#    filter on an item outside the grant (``item[:64]``). ``?id_number=19900101:x`` puts the 8 hidden
#    digits in the audit log in clear, ``?id_number=<a whole number>`` (no colon) its first 10 characters,
#    ``?<a whole number>=eq:1`` the whole number.
# =========================================================================================================


def test_a_refused_filter_puts_no_probed_value_in_the_audit_log(shared):
    make_grant(shared, items=["id_number", "county"], masking={"id_number": "id_number"})
    victim = _wrong_candidates(PEOPLE[7]["id_number"], 40)[-1]  # a guess: in no record, in no push
    hidden = victim[6:14]
    assert victim[:10] not in _audit_dump(shared.client) and hidden not in _audit_dump(shared.client)
    for params in ({"id_number": f"{hidden}:x"}, {"id_number": victim}, {victim: "eq:1"}):
        answer = _get(shared, "/records", params)
        assert answer.status_code in (403, 422), answer.text
    dumped = _audit_dump(shared.client)
    leaked = [what for what, text in (("operator: the hidden 8 digits", f'"op": "{hidden}"'),
                                      ("operator: 10 first characters", f'"op": "{victim[:10]}"'),
                                      ("item name: the whole number", f'"item": "{victim}"')) if text in dumped]
    assert not leaked, f"probed values in clear in the audit log: {leaked}"


# =========================================================================================================
# 8. MEDIUM — the masked key of a lookup reaches the audit log in clear whenever the call is refused
#    before the service runs: a signature refusal (``_refuse`` writes the raw path, key included — a
#    clock off by five minutes or a rotated secret is enough), a caller without credentials (the
#    per-minute ``auth.anonymous_calls`` entry keeps each path), and a person's token or session (the
#    ``forbidden`` denial keeps ``request.url.path``).
# =========================================================================================================


def test_a_refused_lookup_leaves_no_masked_key_in_the_audit_log(shared):
    make_grant(shared, items=["id_number", "county"], masking={"id_number": "id_number"})
    client = shared.client
    victims = _wrong_candidates(PEOPLE[7]["id_number"], 3)  # guesses: in no record, in no push
    assert not any(v in _audit_dump(client) for v in victims)
    wrong_secret = SM3Auth(shared.consumer["app_key"], "sk_" + "A" * 43)
    assert _get(shared, f"/records/{victims[0]}", auth=wrong_secret).status_code == 401  # signature_invalid
    assert client.get(f"/api/v1/share/{shared.code}/records/{victims[1]}").status_code == 401  # no credentials
    manager = client.get(f"/api/v1/share/{shared.code}/records/{victims[2]}", headers=bearer(client, "hr_manager"))
    assert manager.status_code == 403
    client.app.state.anonymous_calls.flush(client.app.state.sessions)
    dumped = _audit_dump(client)
    leaked = [n for n, v in zip(("signature refusal", "anonymous calls", "forbidden"), victims) if v in dumped]
    assert not leaked, f"masked keys in clear in the audit log via: {leaked}"


# =========================================================================================================
# 9. MEDIUM — the per-minute aggregation of calls without credentials is bypassed by adding ONE signing
#    header: the call is then "signed", refused with ``signature_missing``, and every refusal appends a
#    full entry (with the raw path, up to the server's request-line limit) to the append-only, hash-chained
#    audit log, which can never be pruned. Anyone on the network fills the audit disk with a loop.
# =========================================================================================================


def test_unauthenticated_callers_cannot_append_one_audit_entry_per_call(shared):
    client = shared.client
    with client.db.session() as session:
        before = session.scalar(select(func.count()).select_from(AuditEntry))
    long_path = "/api/v1/catalog/resources/" + "x" * 4000
    for _ in range(50):
        answer = client.get(long_path, headers={"X-Nonce": "junk"}, auth=None)
        assert answer.status_code == 401
    with client.db.session() as session:
        after = session.scalar(select(func.count()).select_from(AuditEntry))
        size = sum(len(json.dumps(d or {})) for d in session.scalars(
            select(AuditEntry.detail).order_by(AuditEntry.seq.desc()).limit(after - before)))
    assert after - before <= 2, f"{after - before} audit entries ({size} bytes) from 50 calls without a key"


# =========================================================================================================
# 10. MEDIUM — ``key_hash`` is the consumer department's ``hash`` digest of the record key, sent whatever
#     rule masks the key item — even ``null`` (置空), which promises nothing of the value. It is the very
#     digest every other grant of the department gets for an item hashed with the same value, so a register
#     whose identity numbers the provider emptied is joined, person by person, with another resource that
#     hashes the number beside a name: amounts (here) tied back to named people.
# =========================================================================================================

CASE_ITEMS = [
    {"name": "案件编号", "field_code": "case_no", "data_type": "C", "length": 20, "required": True, "is_key": True,
     "sensitivity": "L2"},
    {"name": "公民身份号码", "field_code": "id_number", "data_type": "C", "length": 18, "sensitivity": "L3",
     "pii_kind": "身份证件号码"},
    {"name": "姓名", "field_code": "name", "data_type": "C", "length": 50, "sensitivity": "L2", "pii_kind": "姓名"},
]


def test_a_key_emptied_by_the_null_rule_gives_no_joinable_digest(shared):
    client = shared.client
    make_grant(shared, items=["id_number", "county", "amount"], masking={"id_number": "null"})
    emptied = _all_records(shared)
    assert all(r["values"]["id_number"] is None for r in emptied)

    other_code = publish(client, name="涉案人员信息", items=CASE_ITEMS)
    rows = [{"case_no": f"AJ{n:04d}", "id_number": p["id_number"], "name": p["name"]} for n, p in enumerate(PEOPLE)]
    pushed = client.post(f"/api/v1/datasets/{other_code}/records", auth=shared.provider["auth"],
                         content=json.dumps(rows, ensure_ascii=False).encode(),
                         headers={"Content-Type": "application/json"})
    assert pushed.status_code == 200, pushed.text
    other = Shared(client, other_code, shared.provider, shared.consumer, len(rows))
    make_grant(other, items=["case_no", "id_number", "name"], masking={"id_number": "hash"})
    named = {r["values"]["id_number"]: r["values"]["name"] for r in _all_records(other)}

    joined = {named[r["key_hash"]]: r["values"]["amount"] for r in emptied if r["key_hash"] in named}
    assert not joined, f"{len(joined)} emptied records tied to a name, e.g. {next(iter(joined.items()))}"


# =========================================================================================================
# 11. MEDIUM — the combination check reads the masking only, not the ROW SCOPE. A scope on a birth date
#     that the grant empties (a cohort: "born in 1990") tells, for every record shared, the birth year the
#     ``year`` mask is refused for — ~33 candidates per kept-ends identity number, tried in one burst (5).
# =========================================================================================================


def test_a_row_scope_on_an_emptied_birth_date_beside_kept_id_ends_is_refused(shared):
    client = shared.client
    hr, ps_rev = bearer(client, "hr_manager"), bearer(client, "ps_reviewer")
    made = client.post("/api/v1/sharing/requests", headers=hr, json=application(
        shared.code, shared.consumer["id"], items=["id_number", "birth_date", "county"]))
    assert made.status_code == 201, made.text
    terms = {"masking": {"id_number": "id_number", "birth_date": "null"},
             "row_scope": [{"item": "birth_date", "op": "range", "value": ["1990-01-01", "1990-12-31"]}]}
    answer = client.post(f"/api/v1/sharing/requests/{made.json()['id']}/review", headers=ps_rev,
                         json={"transition": "pass", "terms": terms})
    assert answer.status_code == 422, f"accepted: {answer.json()['terms']}"


# =========================================================================================================
# 13. MEDIUM — the combination check recognises its two halves by name and kind only. It misses a birth
#     date called 出生 / 出生時間 / "Birth date" (code ``bd``) / coded ``csrq_1``, and an identity number
#     whose personal-information kind is not 身份证件号码 (a 社会保障号码 is the identity number; an item
#     whose kind was left empty) even when the reviewer masks it with the ``id_number`` rule.
# =========================================================================================================


def test_the_combination_check_recognises_birth_dates_and_identity_numbers_by_their_content():
    identity = {"field_code": "id_number", "name": "公民身份号码", "data_type": "C", "pii_kind": "身份证件号码"}
    births = [{"field_code": "cs", "name": "出生", "data_type": "D"},
              {"field_code": "bd", "name": "Birth date", "data_type": "D"},
              {"field_code": "x1", "name": "出生時間", "data_type": "T"},
              {"field_code": "csrq_1", "name": "人员日期", "data_type": "D"}]
    missed = [b["name"] for b in births
              if not combination_problems({"id_number": "id_number"}, [identity, b])]
    social = {"field_code": "sbkh", "name": "社会保障号码", "data_type": "C", "pii_kind": "其他个人信息"}
    unmarked = {"field_code": "zjhm", "name": "证件号码", "data_type": "C", "pii_kind": None}
    birth = {"field_code": "birth_date", "name": "出生日期", "data_type": "D"}
    missed += [i["name"] for i in (social, unmarked)
               if not combination_problems({i["field_code"]: "id_number"}, [i, birth])]
    assert not missed, f"not seen by the combination check: {missed}"

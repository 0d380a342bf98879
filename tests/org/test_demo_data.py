import re
from collections import Counter

from govdata.core.validators import is_valid_credit_code, is_valid_landline, is_valid_mobile, is_valid_phone
from govdata.core.policy import ROLES
from govdata.org.demo_data import (
    ACCOUNTS,
    DEPARTMENTS,
    DEPARTMENTS_BY_KEY,
    EMAIL_DOMAIN,
    KEY_DEPARTMENTS,
    REGIONS,
)

REGION_CODES = {r["code"]: r for r in REGIONS}
KIND_PREFIX = {"行政机关": "11", "事业单位": "12", "社会团体": "51"}


def _people(dept):
    return [dept["leader"], dept["daily_manager"], *dept["contacts"]]


def _all_people():
    return [p for d in DEPARTMENTS for p in _people(d)]


def test_regions_hierarchy():
    assert len(REGION_CODES) == len(REGIONS)
    for r in REGIONS:
        assert re.fullmatch(r"[0-9]{6}", r["code"])
        assert r["level"] in {"province", "city", "county"}
        if r["level"] == "province":
            assert r["parent_code"] is None
        else:
            assert r["parent_code"] in REGION_CODES
    provinces = [r for r in REGIONS if r["level"] == "province"]
    cities = [r for r in REGIONS if r["level"] == "city"]
    counties = [r for r in REGIONS if r["level"] == "county"]
    assert len(provinces) == 1 and len(cities) == 1 and len(counties) == 2
    assert cities[0]["parent_code"] == provinces[0]["code"]
    assert all(c["parent_code"] == cities[0]["code"] for c in counties)
    # Division codes are nested: city shares the province prefix, counties the city prefix.
    assert cities[0]["code"][:2] == provinces[0]["code"][:2]
    assert all(c["code"][:4] == cities[0]["code"][:4] for c in counties)


def test_department_count_and_keys():
    assert len(DEPARTMENTS) >= 24
    keys = [d["key"] for d in DEPARTMENTS]
    assert len(set(keys)) == len(keys)
    assert all(re.fullmatch(r"[a-z0-9-]+", k) for k in keys)
    assert set(DEPARTMENTS_BY_KEY) == set(keys)
    assert len({d["name"] for d in DEPARTMENTS}) == len(DEPARTMENTS)


def test_department_fields():
    for d in DEPARTMENTS:
        assert set(d) >= {
            "key", "name", "short_name", "kind", "region_code", "credit_code",
            "leader", "daily_manager", "contacts",
        }
        assert d["name"] and d["short_name"]
        assert d["contacts"], d["key"]
        for p in _people(d):
            assert set(p) == {"name", "title", "phone", "email"}
            assert 2 <= len(p["name"]) <= 4 and p["title"]


def test_every_region_exists():
    for d in DEPARTMENTS:
        assert d["region_code"] in REGION_CODES, d["key"]


def test_departments_in_city_and_each_county():
    per_region = Counter(d["region_code"] for d in DEPARTMENTS)
    for r in REGIONS:
        if r["level"] == "county":
            assert per_region[r["code"]] >= 4, r["name"]
        if r["level"] == "city":
            assert per_region[r["code"]] >= 16


def test_all_kinds_present():
    kinds = Counter(d["kind"] for d in DEPARTMENTS)
    assert set(kinds) == {"行政机关", "事业单位", "社会团体"}
    assert kinds["事业单位"] >= 3


def test_credit_codes_valid_unique_and_consistent():
    codes = [d["credit_code"] for d in DEPARTMENTS]
    assert len(set(codes)) == len(codes)
    for d in DEPARTMENTS:
        code = d["credit_code"]
        assert is_valid_credit_code(code), (d["key"], code)
        assert code[:2] == KIND_PREFIX[d["kind"]]
        assert code[2:8] == d["region_code"]


def test_key_departments_exist():
    for key in KEY_DEPARTMENTS.values():
        assert key in DEPARTMENTS_BY_KEY
    assert DEPARTMENTS_BY_KEY[KEY_DEPARTMENTS["platform_operator"]]["kind"] == "事业单位"


def test_every_phone_valid():
    for p in _all_people():
        assert is_valid_phone(p["phone"]), p
        assert is_valid_mobile(p["phone"]) or is_valid_landline(p["phone"])
    for d in DEPARTMENTS:
        assert is_valid_mobile(d["daily_manager"]["phone"])


def test_phones_and_emails_unique():
    people = _all_people()
    phones = [p["phone"] for p in people]
    emails = [p["email"] for p in people]
    assert len(set(phones)) == len(phones)
    assert len(set(emails)) == len(emails)
    assert all(re.fullmatch(r"[a-z]+@" + re.escape(EMAIL_DOMAIN), e) for e in emails)
    assert EMAIL_DOMAIN == "ycs.gov.example"


def test_admin_account():
    admins = [a for a in ACCOUNTS if a["username"] == "admin"]
    assert len(admins) == 1
    admin = admins[0]
    assert "platform_admin" in admin["roles"]
    assert admin["department_key"] == KEY_DEPARTMENTS["platform_operator"]


def test_every_role_has_account():
    covered = {role for a in ACCOUNTS for role in a["roles"]}
    assert covered == set(ROLES)
    managers = {a["username"] for a in ACCOUNTS if "dept_manager" in a["roles"]}
    assert {"ps_manager", "hr_manager"} <= managers


def test_accounts_well_formed():
    usernames = [a["username"] for a in ACCOUNTS]
    assert len(set(usernames)) == len(usernames)
    for a in ACCOUNTS:
        assert a["department_key"] in DEPARTMENTS_BY_KEY, a["username"]
        assert a["display_name"]
        assert a["roles"] and all(r in ROLES for r in a["roles"])
    by_name = {a["username"]: a for a in ACCOUNTS}
    assert by_name["supervisor"]["department_key"] == KEY_DEPARTMENTS["egov_authority"]
    assert by_name["sec_regulator"]["department_key"] == KEY_DEPARTMENTS["security_regulator"]
    assert by_name["finance"]["department_key"] == KEY_DEPARTMENTS["finance"]
    assert by_name["hr_manager"]["department_key"] == "hrss-city"
    assert by_name["ps_manager"]["department_key"] == "ps-city"


def _meets_policy(pw: str, username: str = "") -> bool:
    return (
        len(pw) >= 10
        and not (username and username.lower() in pw.lower())
        and any(c.isascii() and c.isupper() for c in pw)
        and any(c.isascii() and c.islower() for c in pw)
        and any(c.isdigit() for c in pw)
        and any(not c.isalnum() and not c.isspace() for c in pw)
    )


def test_passwords_meet_policy_and_distinct():
    passwords = [a["password"] for a in ACCOUNTS]
    assert len(set(passwords)) == len(passwords)
    for a in ACCOUNTS:
        assert _meets_policy(a["password"], a["username"]), a["username"]


def test_policy_helper_rejects_weak():
    for weak in ["short@A1", "alllower@2026", "ALLUPPER@2026", "NoDigits@abc", "NoSymbol2026ab"]:
        assert not _meets_policy(weak)
    assert not _meets_policy("Admin@2026x", "admin")

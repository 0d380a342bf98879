"""Catalog interchange for harvesters: the DCAT-AP JSON-LD export read as linked data, the CKAN action API
(envelope, search, organizations), who sees what (anonymous: open to the public only), token forms."""

from __future__ import annotations

from typing import Any

import pytest
from pyld import jsonld
from sqlalchemy import select

from govdata.core.audit import AuditEntry
from tests.catalog.helpers import entry, publish
from tests.conftest import bearer

DCAT_URL = "/api/v1/catalog/dcat.jsonld"
CKAN = "/api/3/action"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
GOV = "urn:govdata:terms:"
FREQ = "http://publications.europa.eu/resource/authority/frequency/"
RIGHTS = "http://publications.europa.eu/resource/authority/access-right/"

OPEN = {"name": "人口统计年报", "summary": "全市分年度常住人口总量统计，供社会公众查阅和下载。",
        "format": "电子表格", "share_method": "文件", "share_type": "无条件共享", "share_condition": None,
        "legal_basis": None, "open_to_public": True, "update_cycle": "每年", "data_level": "一般",
        "keywords": "人口，统计年度、年报",
        "items": [{"name": "统计年度", "field_code": "year", "data_type": "N", "length": 4, "required": True,
                   "is_key": True}]}
NOT_SHARED = {"name": "在逃人员信息", "share_type": "暂不共享", "share_condition": None,
              "legal_basis": "《中华人民共和国人民警察法》", "update_cycle": "每日", "keywords": "治安"}


@pytest.fixture
def catalog(client) -> dict[str, str]:
    """One entry open to the public, one conditionally shared (the helper's default, 实时), one not shared
    for now, a draft that never went to review, and the 公安局's credit code."""
    codes = {"open": publish(client, **OPEN), "restricted": publish(client), "not_shared": publish(client, **NOT_SHARED)}
    draft = client.post("/api/v1/catalog/resources", json=entry(name="草稿中的目录"),
                        headers=bearer(client, "ps_manager"))
    assert draft.status_code == 201
    codes["draft"] = draft.json()["code"]
    shown = client.get(f"/api/v1/catalog/resources/{codes['open']}", headers=bearer(client, "admin")).json()
    codes["credit"] = shown["department_credit_code"]
    return codes


def ckan(client, action: str, headers: dict[str, str] | None = None, status: int = 200, **params: Any) -> Any:
    response = client.get(f"{CKAN}/{action}", params=params, headers=headers or {})
    assert response.status_code == status, response.text
    body = response.json()
    assert body["help"].endswith(f"/api/3/action/help_show?name={action}")
    if status == 200:
        assert body["success"] is True and set(body) == {"help", "success", "result"}
        return body["result"]
    assert body["success"] is False and set(body["error"]) >= {"__type", "message"}
    return body["error"]


def _datasets(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The flattened graph's datasets by identifier, and every node by @id under the key ``nodes``."""
    graph = jsonld.flatten(jsonld.expand(document))
    nodes = {n["@id"]: n for n in graph}
    datasets = {n[DCT + "identifier"][0]["@value"]: n for n in graph if DCAT + "Dataset" in n.get("@type", [])}
    return {"nodes": nodes, **datasets}


def _value(node: dict[str, Any], prop: str) -> Any:
    return node[prop][0].get("@value", node[prop][0].get("@id"))


def test_dcat_export_is_json_ld_with_the_dcat_ap_terms(client, catalog):
    response = client.get(DCAT_URL, headers=bearer(client, "mca_user"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    document = response.json()
    assert {"dcat", "dct", "foaf", "xsd", "govdata"} <= set(document["@context"])
    found = _datasets(document)
    nodes = found.pop("nodes")
    assert set(found) == {catalog["open"], catalog["restricted"], catalog["not_shared"]}  # never the draft
    catalogs = [n for n in nodes.values() if DCAT + "Catalog" in n.get("@type", [])]
    assert len(catalogs) == 1 and len(catalogs[0][DCAT + "dataset"]) == 3

    opened, restricted, hidden = (found[catalog[k]] for k in ("open", "restricted", "not_shared"))
    assert _value(opened, DCT + "title") == "人口统计年报"
    assert opened[DCT + "title"][0]["@language"] == "zh"
    assert _value(restricted, DCT + "title") == "常住人口基本信息"
    assert _value(opened, DCT + "description").startswith("全市分年度常住人口总量统计")
    publisher = nodes[_value(opened, DCT + "publisher")]
    assert FOAF + "Organization" in publisher["@type"]
    assert _value(publisher, FOAF + "name") == "云川市公安局"
    assert _value(publisher, DCT + "identifier") == catalog["credit"]
    assert [_value(d, DCT + "accrualPeriodicity") for d in (opened, restricted, hidden)] == [
        FREQ + "ANNUAL", FREQ + "CONT", FREQ + "DAILY"]
    assert [_value(d, DCT + "accessRights") for d in (opened, restricted, hidden)] == [
        RIGHTS + "PUBLIC", RIGHTS + "RESTRICTED", RIGHTS + "NON_PUBLIC"]
    assert [_value(d, GOV + "shareType") for d in (opened, restricted, hidden)] == ["无条件共享", "有条件共享", "暂不共享"]
    assert _value(hidden, GOV + "legalBasis") == "《中华人民共和国人民警察法》"
    assert GOV + "legalBasis" not in opened
    assert sorted(k["@value"] for k in opened[DCAT + "keyword"]) == sorted(["人口", "统计年度", "年报"])
    theme = nodes[_value(opened, DCAT + "theme")]
    assert _value(theme, "http://www.w3.org/2004/02/skos/core#notation") == "101"
    assert _value(opened, DCT + "subject") == theme["@id"]
    assert _value(opened, DCT + "issued").endswith("Z") and _value(opened, DCT + "modified").endswith("Z")
    distribution = nodes[_value(opened, DCAT + "distribution")]
    assert _value(distribution, DCT + "format") == "电子表格"
    assert _value(distribution, GOV + "shareMethod") == "文件"

    items = restricted[GOV + "informationItem"][0]["@list"]
    described = [nodes[i["@id"]] for i in items]
    assert [_value(i, GOV + "fieldCode") for i in described] == ["id_number", "name", "birth_date"]
    assert [_value(i, GOV + "dataType") for i in described] == ["C", "C", "D"]
    # an item is described by its name, code and type only: nothing else (no values, no samples) goes out
    assert all(set(i) == {"@id", "@type", GOV + "name", GOV + "fieldCode", GOV + "dataType"} for i in described)


def test_dcat_export_is_audited_for_signed_in_callers_only(client, catalog):
    assert client.get(DCAT_URL, headers=bearer(client, "mca_user")).status_code == 200
    assert client.get(DCAT_URL).status_code == 200
    with client.db.session() as session:
        exports = session.scalars(select(AuditEntry).where(AuditEntry.action == "catalog.export_dcat")).all()
    assert [(e.actor_name, e.medium, e.method) for e in exports] == [("mca_user", "json-ld", "api")]


def test_anonymous_callers_see_only_entries_open_to_the_public(client, catalog):
    found = _datasets(client.get(DCAT_URL).json())
    found.pop("nodes")
    assert set(found) == {catalog["open"]}
    assert ckan(client, "package_list") == [catalog["open"]]
    assert ckan(client, "package_search")["count"] == 1
    error = ckan(client, "package_show", status=404, id=catalog["restricted"])
    assert error["__type"] == "Not Found Error"
    assert ckan(client, "package_show", id=catalog["open"])["title"] == "人口统计年报"
    assert ckan(client, "organization_list") == [catalog["credit"].lower()]
    org = ckan(client, "organization_show", id=catalog["credit"].lower(), include_datasets="true")
    assert org["package_count"] == 1 and [p["name"] for p in org["packages"]] == [catalog["open"]]


@pytest.mark.parametrize("form", ["bare", "bearer"])
def test_a_personal_token_in_either_form_sees_all_published_entries(client, catalog, form):
    raw = bearer(client, "mca_user")["Authorization"].removeprefix("Bearer ")
    headers = {"Authorization": raw if form == "bare" else f"Bearer {raw}"}
    published = sorted([catalog["open"], catalog["restricted"], catalog["not_shared"]])
    assert ckan(client, "package_list", headers) == published
    assert ckan(client, "package_show", headers, id=catalog["restricted"])["name"] == catalog["restricted"]
    assert ckan(client, "package_show", headers, status=404, id=catalog["draft"])["__type"] == "Not Found Error"
    assert client.get("/api/v1/whoami", headers=headers).json()["name"] == "mca_user"
    # ckanapi's own call: POST a JSON object to the unversioned path, the token in Authorization
    posted = client.post("/api/action/package_search", json={"rows": 2, "sort": "name asc"}, headers=headers)
    assert posted.json()["result"]["count"] == 3
    assert [p["name"] for p in posted.json()["result"]["results"]] == published[:2]


def test_bad_tokens_are_refused_not_downgraded_and_other_routes_keep_their_401(client, catalog):
    error = ckan(client, "package_list", {"Authorization": "gdp_not-a-real-token"}, status=403)
    assert error["__type"] == "Authorization Error"
    refused = client.get(DCAT_URL, headers={"Authorization": "Bearer gdp_not-a-real-token"})
    assert refused.status_code == 401 and refused.json()["code"] == "token_invalid"
    anonymous = client.get("/api/v1/catalog/resources")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
    assert client.get("/api/v1/whoami", headers={"Authorization": "gdp_not-a-real-token"}).status_code == 401


def test_ckan_package_dict(client, catalog):
    package = ckan(client, "package_show", bearer(client, "mca_user"), id=catalog["not_shared"])
    assert package["name"] == catalog["not_shared"].lower() and package["title"] == "在逃人员信息"
    assert package["notes"] == entry()["summary"] and package["state"] == "active"
    assert package["organization"]["name"] == catalog["credit"].lower()
    assert package["organization"]["title"] == "云川市公安局"
    assert [t["name"] for t in package["tags"]] == ["治安"]
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["share_type"] == "暂不共享" and extras["legal_basis"] == "《中华人民共和国人民警察法》"
    assert extras["update_cycle"] == "每日" and extras["format"] == "数据库" and extras["classification"] == "101"
    assert [(r["format"], r["share_method"]) for r in package["resources"]] == [("数据库", "接口")]
    assert package["metadata_created"] and package["metadata_modified"] >= package["metadata_created"]


def test_package_search_filters_sorts_pages_and_counts_facets(client, catalog):
    auth = bearer(client, "mca_user")
    org = catalog["credit"].lower()
    by_tag = ckan(client, "package_search", auth, fq="tags:人口")
    assert [p["name"] for p in by_tag["results"]] == [catalog["open"]] and by_tag["facets"] == {}
    assert ckan(client, "package_search", auth, fq="tags:人")["count"] == 0  # whole keywords only
    both = ckan(client, "package_search", auth, fq=f"organization:{org} tags:治安")
    assert [p["name"] for p in both["results"]] == [catalog["not_shared"]]
    assert ckan(client, "package_search", auth, fq="organization:91000000000000000x")["count"] == 0
    assert ckan(client, "package_search", auth, q="年报")["count"] == 1
    newest = ckan(client, "package_search", auth, sort="metadata_modified desc")["results"]
    assert [p["name"] for p in newest] == [catalog["not_shared"], catalog["restricted"], catalog["open"]]
    page = ckan(client, "package_search", auth, sort="name asc", rows=1, start=1)
    assert page["count"] == 3 and [p["name"] for p in page["results"]] == [sorted(newest, key=lambda p: p["name"])[1]["name"]]
    faceted = ckan(client, "package_search", auth, **{"facet.field": '["organization", "tags"]', "rows": 0})
    assert faceted["results"] == [] and faceted["facets"]["organization"] == {org: 3}
    assert faceted["facets"]["tags"] == {"人口": 1, "统计年度": 1, "年报": 1, "治安": 1}
    assert faceted["search_facets"]["organization"]["items"] == [
        {"name": org, "display_name": "云川市公安局", "count": 3}]
    recent = ckan(client, "package_search", auth, fq="metadata_modified:[2000-01-01T00:00:00Z TO *]")
    assert recent["count"] == 3
    assert ckan(client, "package_search", auth, fq="metadata_modified:[* TO 2000-01-01T00:00:00Z]")["count"] == 0


@pytest.mark.parametrize("params, field", [
    ({"sort": "popularity desc"}, "sort"),
    ({"fq": "license_id:cc-by"}, "fq"),
    ({"rows": "many"}, "rows"),
    ({"facet.field": '["groups"]'}, "facet.field"),
    ({"fq": "metadata_modified:[2025-01-01T00:00:00Z TO 2024-01-01T00:00:00Z]"}, "fq"),  # reversed: said, not empty
])
def test_bad_search_parameters_are_validation_errors(client, params, field):
    error = ckan(client, "package_search", status=409, **params)
    assert error["__type"] == "Validation Error" and field in error


def test_ckan_errors_and_organizations(client, catalog):
    auth = bearer(client, "mca_user")
    assert ckan(client, "package_show", auth, status=409)["id"]  # the missing field is named
    assert ckan(client, "organization_show", auth, status=404, id="91000000000000000x")["__type"] == "Not Found Error"
    unknown = client.get(f"{CKAN}/package_create", headers=auth)
    assert unknown.status_code == 400 and unknown.json()["success"] is False
    orgs = ckan(client, "organization_list", auth, all_fields="true")
    assert [(o["name"], o["title"], o["package_count"]) for o in orgs] == [(catalog["credit"].lower(), "云川市公安局", 3)]
    shown = ckan(client, "organization_show", auth, id=catalog["credit"])
    assert shown["package_count"] == 3 and "packages" not in shown
    assert ":param fq:" in ckan(client, "help_show", name="package_search")


def test_drafts_and_withdrawn_entries_never_appear(client, catalog):
    manager, admin, reader = bearer(client, "ps_manager"), bearer(client, "admin"), bearer(client, "mca_user")
    api = "/api/v1/catalog/resources"
    changed = client.put(f"{api}/{catalog['open']}/draft", json=entry(**OPEN | {"name": "人口统计年报（修订中）"}),
                         headers=manager)
    assert changed.status_code == 200
    assert client.post(f"{api}/{catalog['restricted']}/withdrawal", json={"reason": "业务停办"},
                       headers=manager).status_code == 200
    assert client.post(f"{api}/{catalog['restricted']}/withdrawal/decision", json={"transition": "approve"},
                       headers=admin).json()["status"] == "withdrawn"
    assert ckan(client, "package_show", reader, id=catalog["open"])["title"] == "人口统计年报"
    assert ckan(client, "package_list", reader) == sorted([catalog["open"], catalog["not_shared"]])
    text = client.get(DCAT_URL, headers=reader).text
    assert "修订中" not in text and "草稿中的目录" not in text and catalog["restricted"] not in text

"""Catalog interchange for harvesters: published entries as DCAT-AP JSON-LD and as CKAN package dicts.

Pure mapping, no database: a published ``ResourceVersion`` with its ``Resource`` and ``Department`` becomes a
``dcat:Dataset`` (DCAT-AP 2/3, with the national-standard fields DCAT has no term for under the declared
``govdata:`` namespace) or a CKAN package; CKAN's search parameters become a ``PublishedFilter``.
Information items are exported as names, field codes and data types — values never leave through here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field

from govdata.catalog.models import Resource, ResourceVersion
from govdata.core.errors import FieldError, Invalid
from govdata.core.schemas import Strict
from govdata.org.models import Department

# --- vocabularies ------------------------------------------------------------------------------------

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
# The platform's own terms (share type, legal basis, share method, information items): a fixed URN, so the
# vocabulary is the same whichever host serves it.
GOVDATA = "urn:govdata:terms:"
CLASSIFICATION_SCHEME = "urn:govdata:classification:"

CONTEXT: dict[str, str] = {"dcat": DCAT, "dct": DCT, "foaf": FOAF, "xsd": XSD, "skos": SKOS, "govdata": GOVDATA}

FREQUENCY_BASE = "http://publications.europa.eu/resource/authority/frequency/"
FREQUENCIES: dict[str, str] = {
    "实时": "CONT", "每日": "DAILY", "每周": "WEEKLY", "每月": "MONTHLY", "每季度": "QUARTERLY",
    "每半年": "BIANNUAL", "每年": "ANNUAL", "不定期": "IRREG",
}
ACCESS_RIGHT_BASE = "http://publications.europa.eu/resource/authority/access-right/"
LANGUAGE = "zh"

# Keywords are free text; these separate them (both databases replace them in SQL the same way).
KEYWORD_SEPARATORS = (",", "，", ";", "；", "、", " ", "\u3000", "\t", "\r", "\n")
_KEYWORD_SPLIT = re.compile("[" + re.escape("".join(KEYWORD_SEPARATORS)) + "]+")


def split_keywords(text: str | None) -> list[str]:
    return list(dict.fromkeys(k for k in _KEYWORD_SPLIT.split(text or "") if k))


def frequency_uri(update_cycle: str) -> str | None:
    code = FREQUENCIES.get(update_cycle)
    return FREQUENCY_BASE + code if code else None


def access_right(version: ResourceVersion) -> str:
    """PUBLIC when open to the public; RESTRICTED when shared between departments (unconditionally or on
    conditions); NON_PUBLIC when not shared for now."""
    if version.open_to_public:
        return "PUBLIC"
    if version.share_type in ("无条件共享", "有条件共享"):
        return "RESTRICTED"
    return "NON_PUBLIC"


def dataset_uri(base_url: str, code: str) -> str:
    return f"{base_url}/api/v1/catalog/resources/{code}"


def organization_name(department: Department) -> str:
    """CKAN's organization name: the unified social credit code in lower case."""
    return department.credit_code.lower()


def package_name(resource: Resource) -> str:
    return resource.code.lower()


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _xsd_datetime(value: dt.datetime | None) -> dict[str, str] | None:
    moment = _utc(value)
    if moment is None:
        return None
    return {"@value": moment.isoformat(timespec="seconds").replace("+00:00", "Z"), "@type": "xsd:dateTime"}


def _ckan_time(value: dt.datetime | None) -> str | None:
    """CKAN writes naive UTC timestamps."""
    moment = _utc(value)
    return moment.replace(tzinfo=None).isoformat() if moment else None


def _text(value: str) -> dict[str, str]:
    return {"@value": value, "@language": LANGUAGE}


# --- DCAT-AP JSON-LD ---------------------------------------------------------------------------------

def dcat_dataset(resource: Resource, version: ResourceVersion, department: Department,
                 base_url: str) -> dict[str, Any]:
    """One published entry as a ``dcat:Dataset`` node (without ``@context``)."""
    uri = dataset_uri(base_url, resource.code)
    concept = {"@id": CLASSIFICATION_SCHEME + version.classification.code, "@type": "skos:Concept",
               "skos:notation": version.classification.code, "skos:prefLabel": _text(version.classification.name)}
    node: dict[str, Any] = {
        "@id": uri,
        "@type": "dcat:Dataset",
        "dct:identifier": resource.code,
        "dct:title": _text(version.name),
        "dct:description": _text(version.summary),
        "dct:publisher": {
            "@id": f"{base_url}/api/3/action/organization_show?id={organization_name(department)}",
            "@type": "foaf:Organization",
            "foaf:name": _text(department.name),
            "dct:identifier": department.credit_code,
        },
        "dcat:theme": concept,
        "dct:subject": {"@id": concept["@id"]},
        "dct:accessRights": {"@id": ACCESS_RIGHT_BASE + access_right(version)},
        "dcat:keyword": [_text(k) for k in split_keywords(version.keywords)],
        "dcat:version": str(version.version_no),
        "dcat:distribution": [{
            "@id": f"{uri}#distribution",
            "@type": "dcat:Distribution",
            "dct:title": _text(f"{version.name}（{version.share_method}）"),
            "dct:format": version.format,
            "dcat:accessURL": {"@id": uri},
            "govdata:shareMethod": version.share_method,
        }],
        "govdata:shareType": version.share_type,
        "govdata:updateCycle": version.update_cycle,
        "govdata:openToPublic": version.open_to_public,
        "govdata:informationItem": {"@list": [
            {"@type": "govdata:InformationItem", "govdata:name": item.name, "govdata:fieldCode": item.field_code,
             "govdata:dataType": item.data_type} for item in version.items]},
    }
    frequency = frequency_uri(version.update_cycle)
    if frequency:
        node["dct:accrualPeriodicity"] = {"@id": frequency}
    if version.legal_basis:
        node["govdata:legalBasis"] = version.legal_basis
    if version.share_condition:
        node["govdata:shareCondition"] = version.share_condition
    if version.release_date is not None:
        node["dct:issued"] = {"@value": version.release_date.isoformat(), "@type": "xsd:date"}
    elif resource.published_at is not None:
        node["dct:issued"] = _xsd_datetime(resource.published_at)
    if version.published_at is not None:
        node["dct:modified"] = _xsd_datetime(version.published_at)
    if version.related_codes:
        node["dct:relation"] = [{"@id": dataset_uri(base_url, code)} for code in version.related_codes]
    return node


def dcat_catalog(rows: Iterable[tuple[Resource, ResourceVersion]], base_url: str,
                 title: str = "政务数据资源目录") -> dict[str, Any]:
    """A ``dcat:Catalog`` holding the given published entries, with the ``@context`` declaring every prefix."""
    datasets = [dcat_dataset(resource, version, resource.department, base_url) for resource, version in rows]
    catalog: dict[str, Any] = {
        "@context": dict(CONTEXT),
        "@id": f"{base_url}/api/v1/catalog/dcat.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": _text(title),
        "dct:description": _text("政务数据资源管理与汇聚共享平台已发布的政务数据资源目录"),
        "dcat:dataset": datasets,
    }
    modified = [d["dct:modified"]["@value"] for d in datasets if "dct:modified" in d]
    if modified:
        catalog["dct:modified"] = {"@value": max(modified), "@type": "xsd:dateTime"}
    return catalog


# --- CKAN --------------------------------------------------------------------------------------------

def ckan_organization(department: Department, package_count: int | None = None) -> dict[str, Any]:
    """A department as a CKAN organization; ``name`` is its unified social credit code in lower case."""
    name = organization_name(department)
    org: dict[str, Any] = {
        "id": name, "name": name, "title": department.name, "display_name": department.name,
        "description": department.duties or "", "type": "organization", "is_organization": True,
        "state": "active", "approval_status": "approved", "image_url": "",
        "created": _ckan_time(department.created_at)}
    if package_count is not None:
        org["package_count"] = package_count
    return org


def ckan_package(resource: Resource, version: ResourceVersion, department: Department,
                 base_url: str) -> dict[str, Any]:
    """One published entry as a CKAN package dict, with one resource for its distribution."""
    name = package_name(resource)
    tags = split_keywords(version.keywords)
    extras = {
        "identifier": resource.code,
        "share_type": version.share_type,
        "share_condition": version.share_condition or "",
        "legal_basis": version.legal_basis or "",
        "share_method": version.share_method,
        "open_to_public": "true" if version.open_to_public else "false",
        "access_rights": ACCESS_RIGHT_BASE + access_right(version),
        "update_cycle": version.update_cycle,
        "frequency": frequency_uri(version.update_cycle) or "",
        "format": version.format,
        "classification": version.classification.code,
        "classification_name": version.classification.name,
        "release_date": version.release_date.isoformat() if version.release_date else "",
        "information_items": json.dumps([{"name": i.name, "field_code": i.field_code, "data_type": i.data_type}
                                         for i in version.items], ensure_ascii=False),
    }
    uri = dataset_uri(base_url, resource.code)
    modified = _ckan_time(version.published_at)
    return {
        "id": name,
        "name": name,
        "title": version.name,
        "notes": version.summary,
        "type": "dataset",
        "state": "active",
        "private": False,
        "url": uri,
        "version": str(version.version_no),
        "metadata_created": _ckan_time(resource.published_at),
        "metadata_modified": modified,
        "owner_org": organization_name(department),
        "organization": ckan_organization(department),
        "tags": [{"name": t, "display_name": t, "state": "active"} for t in tags],
        "num_tags": len(tags),
        "groups": [],
        "extras": [{"key": k, "value": v} for k, v in extras.items()],
        "resources": [{
            "id": f"{name}-distribution",
            "package_id": name,
            "name": f"{version.name}（{version.share_method}）",
            "description": f"共享方式：{version.share_method}",
            "format": version.format,
            "share_method": version.share_method,
            "url": uri,
            "position": 0,
            "state": "active",
            "created": _ckan_time(resource.published_at),
            "last_modified": modified,
        }],
        "num_resources": 1,
    }


# --- what a harvester asks for -----------------------------------------------------------------------

SortField = Literal["metadata_modified", "metadata_created", "name", "title_string"]
FacetField = Literal["organization", "tags"]
ROWS_MAX = 1000


class PublishedFilter(Strict):
    """Which published entries, in what order, which page, and which facets to count."""

    terms: list[str] = Field(default_factory=list, description="free-text terms, all must match")
    code: str | None = None
    organization: str | None = Field(default=None, description="unified social credit code, any case")
    tags: list[str] = Field(default_factory=list, description="keywords, all must be present")
    format: str | None = None
    modified_from: dt.datetime | None = None
    modified_to: dt.datetime | None = None
    match_nothing: bool = False
    sort: list[tuple[SortField, bool]] = Field(default_factory=lambda: [("name", False)],
                                               description="(field, descending)")
    start: int = Field(default=0, ge=0)
    rows: int | None = Field(default=None, ge=0, description="None: all")
    facet_fields: list[FacetField] = Field(default_factory=list)
    facet_limit: int = 50
    facet_mincount: int = 1


@dataclass
class PublishedPage:
    rows: list[tuple[Resource, ResourceVersion]]
    total: int
    # facet field -> [(name, display name, count)], most frequent first
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)


def _bad(name: str, message: str) -> Invalid:
    return Invalid([FieldError(name, "invalid", message)])


def param_int(params: Mapping[str, Any], name: str, default: int | None, minimum: int = 0) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        if isinstance(value, bool | float):
            raise TypeError
        number = int(value)
    except (TypeError, ValueError):
        raise _bad(name, "应为整数") from None
    if number < minimum:
        raise _bad(name, f"应为不小于{minimum}的整数")
    return number


def param_bool(params: Mapping[str, Any], name: str, default: bool = False) -> bool:
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise _bad(name, "应为 true 或 false")


def param_list(params: Mapping[str, Any], name: str) -> list[str]:
    """A list given natively (JSON body), as a JSON array string (CKAN's GET form), or as repeated values."""
    value = params.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        if value.lstrip().startswith("["):
            try:
                value = json.loads(value)
            except ValueError:
                raise _bad(name, "应为 JSON 数组") from None
        else:
            value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(name, "应为字符串数组")
    return value


_SORT_FIELDS: dict[str, SortField | None] = {
    "metadata_modified": "metadata_modified", "metadata_created": "metadata_created", "name": "name",
    "title_string": "title_string", "title": "title_string", "score": None}


def parse_sort(text: str | None, default: str = "score desc, metadata_modified desc") -> list[tuple[SortField, bool]]:
    """CKAN's sort: comma-separated ``field asc|desc``; ``score`` (relevance) is accepted and ignored."""
    result: list[tuple[SortField, bool]] = []
    for part in (text or default).split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or words[0] not in _SORT_FIELDS or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise _bad("sort", f"不支持的排序：{part.strip()}（可用 metadata_modified、metadata_created、name、"
                               "title_string，加 asc 或 desc）")
        sort_field = _SORT_FIELDS[words[0]]
        if sort_field is not None:
            result.append((sort_field, len(words) == 2 and words[1] == "desc"))
    return result


_CLAUSE = re.compile(r'\s*(?P<sign>[+-]?)(?P<field>[A-Za-z_]+):(?P<value>"(?:[^"\\]|\\.)*"|\[[^\]]*\]|[^\s"\[]+)\s*')
_RANGE = re.compile(r"^\[\s*(\S+)\s+TO\s+(\S+)\s*\]$")


def _range_end(text: str, name: str) -> dt.datetime | None:
    if text == "*":
        return None
    if text == "NOW":
        return dt.datetime.now(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(name, f"时间格式不正确：{text}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse_fq(text: str, filt: dict[str, Any], name: str = "fq") -> None:
    """The Solr filter queries harvesters send, as far as the catalog has the fields: ``organization:``
    (or ``owner_org:``), ``tags:``, ``res_format:``, ``name:``, ``dataset_type:``, and
    ``metadata_modified:[from TO to]``. Clauses are combined with AND; anything else is refused."""
    position = 0
    text = text.strip()
    while position < len(text):
        match = _CLAUSE.match(text, position)
        if match is None:
            raise _bad(name, f"不支持的过滤条件：{text[position:].strip()}")
        position = match.end()
        sign, key, value = match.group("sign"), match.group("field"), match.group("value")
        if sign == "-":
            raise _bad(name, f"不支持排除条件：{match.group(0).strip()}")
        if value.startswith('"'):
            value = json.loads(value)
        if key in ("organization", "owner_org"):
            if filt.get("organization") not in (None, value.lower()):
                filt["match_nothing"] = True
            filt["organization"] = value.lower()
        elif key == "tags":
            filt.setdefault("tags", []).append(value)
        elif key == "res_format":
            if filt.get("format") not in (None, value):
                filt["match_nothing"] = True
            filt["format"] = value
        elif key in ("name", "id"):
            filt["code"] = value
        elif key in ("dataset_type", "type"):
            if value != "dataset":
                filt["match_nothing"] = True
        elif key == "metadata_modified":
            found = _RANGE.match(value)
            if found is None:
                raise _bad(name, f"metadata_modified 应为区间，如 [2024-01-01T00:00:00Z TO *]：{value}")
            filt["modified_from"] = _range_end(found.group(1), name)
            filt["modified_to"] = _range_end(found.group(2), name)
            if filt["modified_from"] and filt["modified_to"] and filt["modified_from"] > filt["modified_to"]:
                raise _bad(name, f"metadata_modified 区间的起点晚于终点，请调换两端：{value}")
        else:
            raise _bad(name, f"不支持按“{key}”过滤（可用 organization、tags、res_format、name、"
                             "dataset_type、metadata_modified）")


def search_filter(params: Mapping[str, Any]) -> PublishedFilter:
    """CKAN ``package_search`` parameters → ``PublishedFilter``: q, fq / fq_list, sort, rows (at most
    1000, as CKAN caps it), start, facet.field, facet.limit, facet.mincount."""
    filt: dict[str, Any] = {}
    q = params.get("q")
    if q is not None and not isinstance(q, str):
        raise _bad("q", "应为字符串")
    q = (q or "").strip()
    if q and q != "*:*":
        if _CLAUSE.fullmatch(q) or all(_CLAUSE.fullmatch(p) for p in q.split()):
            parse_fq(q, filt, "q")  # fielded queries in q, e.g. q=tags:人口
        else:
            filt["terms"] = [t for t in q.split() if t][:10]
    fq = params.get("fq")
    if fq is not None and not isinstance(fq, str):
        raise _bad("fq", "应为字符串")
    if fq:
        parse_fq(fq, filt)
    for clause in param_list(params, "fq_list"):
        parse_fq(clause, filt, "fq_list")
    sort = params.get("sort")
    if sort is not None and not isinstance(sort, str):
        raise _bad("sort", "应为字符串")
    rows = param_int(params, "rows", 10)
    facet_fields = param_list(params, "facet.field")
    unknown = [f for f in facet_fields if f not in ("organization", "tags")]
    if unknown:
        raise _bad("facet.field", f"只支持 organization 和 tags 分面：{'、'.join(unknown)}")
    if not param_bool(params, "facet", True):
        facet_fields = []
    return PublishedFilter(
        **filt, sort=parse_sort(sort), start=param_int(params, "start", 0) or 0,
        rows=min(rows if rows is not None else 10, ROWS_MAX), facet_fields=list(dict.fromkeys(facet_fields)),
        facet_limit=param_int(params, "facet.limit", 50, minimum=-1),
        facet_mincount=param_int(params, "facet.mincount", 1))


def ckan_search_result(page: PublishedPage, filt: PublishedFilter, sort: str | None,
                       base_url: str) -> dict[str, Any]:
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, Any] = {}
    for name in filt.facet_fields:
        entries = page.facets.get(name, [])
        facets[name] = {key: count for key, _, count in entries}
        search_facets[name] = {"title": name, "items": [
            {"name": key, "display_name": display, "count": count} for key, display, count in entries]}
    return {
        "count": page.total,
        "sort": sort or "score desc, metadata_modified desc",
        "results": [ckan_package(r, v, r.department, base_url) for r, v in page.rows],
        "facets": facets,
        "search_facets": search_facets,
    }

"""Demo content of the catalog: the data resources the demo city's departments register (``govdata demo``).

The content is data under ``catalog/demo/``, read here at import:

* ``items.csv``: the information items, one row each (field code, Chinese name, data type and length,
  sensitivity, kind of personal information). The same code means the same item in every entry.
* ``legal_bases.json``: the laws an entry cites as its legal basis, by name.
* ``entries/NN-*.json``: the entries, one file per department or group, read in the order of the file names
  (an entry may name as ``related`` only entries read before it). Each entry holds the fields of
  :class:`Entry`; ``item_spec`` lists field codes (see :func:`items`), ``basis`` names a legal basis.
  A file with ``counties`` is a template: its entries are registered once per county, with ``{key}`` and
  ``{county}`` replaced by the county's key and name, for the departments the county has.

:func:`load` registers every entry through the catalog services, as the platform operator would: most
entries are published, a few are left in draft, under review, returned or withdrawn, and some have more
than one published version, so every screen of the catalog has something to show.
All content is invented for demonstration; the laws cited are real.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from sqlalchemy.orm import Session

from govdata.catalog import service
from govdata.catalog.schemas import ResourceCreate, ResourceDraft, ReviewDecision, WithdrawalRequest
from govdata.catalog.standard import DATA_TYPES, PII_KINDS, SENSITIVITY
from govdata.core.actor import Actor
from govdata.org import demo_data, demo_people
from govdata.org import service as org_service

DATA = files("govdata.catalog") / "demo"


def _read_items() -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    text = (DATA / "items.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        code = row["field_code"]
        assert row["data_type"] in DATA_TYPES and code not in result, row
        assert row["sensitivity"] in SENSITIVITY and (not row["pii_kind"] or row["pii_kind"] in PII_KINDS), row
        result[code] = {"name": row["name"], "field_code": code, "data_type": row["data_type"],
                        "length": int(row["length"]) if row["length"] else None,
                        "sensitivity": row["sensitivity"], "pii_kind": row["pii_kind"] or None}
    return result


ITEMS = _read_items()
LEGAL_BASES: dict[str, str] = json.loads((DATA / "legal_bases.json").read_text(encoding="utf-8"))


def items(spec: str) -> list[dict[str, Any]]:
    """Items from a space-separated list of field codes; suffix ``*`` marks the key (required), ``!`` a
    required item, ``~`` an item withheld even from approved consumers."""
    result = []
    for token in spec.split():
        code = token.rstrip("*!~")
        item = dict(ITEMS[code])
        item["is_key"] = "*" in token
        item["required"] = "*" in token or "!" in token
        item["shared"] = "~" not in token
        result.append(item)
    return result


@dataclass
class Entry:
    dept: str
    name: str
    classification: str
    format: str
    method: str
    cycle: str
    share: str
    item_spec: str
    summary: str
    condition: str | None = None
    basis: str | None = None
    public: bool = False
    open_condition: str | None = None
    level: str = "一般"
    keywords: str | None = None
    related: tuple[str, ...] = ()  # names of entries registered earlier (of any department)
    # published | draft | confidentiality_review | center_review | returned | withdrawn
    state: str = "published"
    reason: str | None = None  # why it was returned or withdrawn
    revisions: list[dict[str, Any]] = field(default_factory=list)  # later versions: field overrides
    pending: dict[str, Any] | None = None  # a new version left in draft beside the published one

    def draft(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name, "classification_code": self.classification, "summary": self.summary,
            "format": self.format, "share_type": self.share, "share_condition": self.condition,
            "share_method": self.method, "legal_basis": self.basis, "open_to_public": self.public,
            "open_condition": self.open_condition, "update_cycle": self.cycle, "data_level": self.level,
            "keywords": self.keywords, "items": items(self.item_spec)}
        body.update(overrides)
        return body


def _entry(spec: dict[str, Any]) -> Entry:
    spec = dict(spec)
    if spec.get("basis"):
        spec["basis"] = LEGAL_BASES[spec["basis"]]
    spec["related"] = tuple(spec.get("related", ()))
    return Entry(**spec)


def _for_county(value: Any, key: str, county: str) -> Any:
    if isinstance(value, str):
        return value.replace("{key}", key).replace("{county}", county)
    if isinstance(value, list):
        return [_for_county(v, key, county) for v in value]
    if isinstance(value, dict):
        return {k: _for_county(v, key, county) for k, v in value.items()}
    return value


def _read_entries() -> list[Entry]:
    entries: list[Entry] = []
    for path in sorted((DATA / "entries").iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".json"):
            continue
        content = json.loads(path.read_text(encoding="utf-8"))
        if "counties" not in content:
            entries += [_entry(spec) for spec in content["entries"]]
            continue
        for county in content["counties"]:
            departments = {f"{county['key']}-{d}" for d in county["departments"]}
            for template in content["entries"]:
                spec = _for_county(template, county["key"], county["name"])
                if spec["dept"] in departments:
                    entries.append(_entry(spec))
    return entries


ENTRIES: list[Entry] = _read_entries()


# --- loading ---------------------------------------------------------------------------------------------
def _release_date(n: int) -> dt.date:
    """A deterministic, plausible first release date spread over 2021–2024."""
    return dt.date(2021, 3, 1) + dt.timedelta(days=(n * 37) % 1300)


def _revised(body: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """The content of a later version: field overrides, items added (``add``) or withheld (``withhold``)."""
    body = dict(body)
    change = dict(change)
    added = change.pop("add", None)
    withheld = change.pop("withhold", ())
    body.update(change)
    body_items = [dict(i) for i in body["items"]]
    for item in body_items:
        if item["field_code"] in withheld:
            item["shared"] = False
    if added:
        body_items += items(added)
    body["items"] = body_items
    return body


def load(session: Session) -> list[str]:
    """Register every demo entry for its department and take it to its demo state; return the codes. The
    department's data manager registers, edits, submits and asks for withdrawal, its reviewer makes the
    confidentiality review, the big data center's administrator approves (``org.demo_people``)."""
    departments = {key: org_service.department_by_credit_code(session, spec["credit_code"]).id
                   for key, spec in demo_data.DEPARTMENTS_BY_KEY.items()}
    people = {key: (demo_people.staff(session, department_id, "dept_manager"),
                    demo_people.staff(session, department_id, "dept_reviewer"))
              for key, department_id in departments.items()}
    center = demo_people.admin(session)
    codes: dict[str, str] = {}

    def publish(code: str, manager: Actor, reviewer: Actor) -> None:
        service.submit_resource(session, manager, code)
        service.review_resource(session, reviewer, code, ReviewDecision(transition="pass"))
        service.review_resource(session, center, code, ReviewDecision(transition="approve"))

    for n, entry in enumerate(ENTRIES):
        manager, reviewer = people[entry.dept]
        related = [codes[name] for name in entry.related]
        body = entry.draft(release_date=_release_date(n), related_codes=related)
        resource = service.create_resource(session, manager, ResourceCreate.model_validate(
            {**body, "department_id": departments[entry.dept]}))
        code = codes[entry.name] = resource.code
        if entry.state == "draft":
            continue
        if entry.state in ("confidentiality_review", "returned"):
            service.submit_resource(session, manager, code)
            if entry.state == "returned":
                service.review_resource(session, reviewer, code, ReviewDecision(transition="reject",
                                                                                reason=entry.reason))
            continue
        if entry.state == "center_review":
            service.submit_resource(session, manager, code)
            service.review_resource(session, reviewer, code, ReviewDecision(transition="pass"))
            continue
        publish(code, manager, reviewer)
        for change in entry.revisions:
            body = _revised(body, change)
            service.update_draft(session, manager, code, ResourceDraft.model_validate(body))
            publish(code, manager, reviewer)
        if entry.pending:
            pending = ResourceDraft.model_validate(_revised(body, entry.pending))
            service.update_draft(session, manager, code, pending)
        if entry.state == "withdrawn":
            service.request_withdrawal(session, manager, code, WithdrawalRequest(reason=entry.reason or "不再维护"))
            service.decide_withdrawal(session, center, code, ReviewDecision(transition="approve"))
    return list(codes.values())

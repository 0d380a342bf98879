"""Collection catalog services: import the province/city/county 采集目录 (CAT-3), report each department's
coverage of them, and report duplicate collection across departments (SUP-5).

The published catalog is read only through ``govdata.catalog.service``; departments and regions only
through ``govdata.org.service``. The reports record nothing: they are for the department and the overseers
to act on.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from govdata.catalog import service as catalog_service
from govdata.catalog.standard import BASE_CLASS_CODES, CLASSIFICATION
from govdata.collection import excel, policy
from govdata.collection.matching import CLASS_SYNONYMS, SYNONYMS, base_class, item_key, name_match, normalize
from govdata.collection.models import (
    CollectionCatalog,
    CollectionRequirement,
    CollectionRequirementItem,
)
from govdata.collection.schemas import (
    CatalogFilter,
    CatalogImport,
    CoverageReport,
    CoverageRow,
    DuplicateGroup,
    DuplicateHolder,
    DuplicateOverlap,
    DuplicateReport,
    ItemGap,
    TypeMismatch,
    catalog_summary,
)
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.crypto import sm3_hex
from govdata.core.db import utcnow
from govdata.core.errors import Conflict, DomainError, FieldError, Invalid, NotFound
from govdata.core.policy import authorize
from govdata.org import service as org_service
from govdata.org.models import Department, Region
from govdata.org.schemas import DepartmentFilter

LEVEL_ORDER = {"province": 0, "city": 1, "county": 2}
CLASS_NAMES = {code: name for code, name, _ in CLASSIFICATION}


# --- reading -----------------------------------------------------------------------------------------

def list_catalogs(session: Session, actor: Actor, filt: CatalogFilter) -> tuple[list[CollectionCatalog], int]:
    """Collection catalogs, the ones in force by default, province first."""
    authorize(actor, policy.list_catalogs)
    query = select(CollectionCatalog)
    if filt.region_code:
        query = query.where(CollectionCatalog.region_id == org_service.region_by_code(session, filt.region_code).id)
    if filt.level:
        query = query.where(CollectionCatalog.level == filt.level)
    if filt.status != "all":
        query = query.where(CollectionCatalog.status == filt.status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = (case(LEVEL_ORDER, value=CollectionCatalog.level, else_=9), CollectionCatalog.region_id,
             CollectionCatalog.version_no.desc())
    return list(session.scalars(query.order_by(*order).offset(filt.offset).limit(filt.limit))), total


def get_catalog(session: Session, actor: Actor, catalog_id: int) -> CollectionCatalog:
    authorize(actor, policy.get_catalog)
    catalog = session.get(CollectionCatalog, catalog_id)
    if catalog is None:
        raise NotFound("采集目录", catalog_id, "Collection catalog")
    return catalog


# --- import ------------------------------------------------------------------------------------------

def _within(department: Department, region: Region) -> bool:
    current: Region | None = department.region
    while current is not None:
        if current.id == region.id:
            return True
        current = current.parent
    return False


class _Departments:
    """Resolves the department cells of the spreadsheet, each distinct value once."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session, self.actor = session, actor
        self.by_code: dict[str, Department | None] = {}
        self.by_name: dict[str, Department | None] = {}

    def code(self, credit_code: str) -> Department | None:
        if credit_code not in self.by_code:
            try:
                self.by_code[credit_code] = org_service.department_by_credit_code(self.session, credit_code)
            except NotFound:
                self.by_code[credit_code] = None
        return self.by_code[credit_code]

    def name(self, name: str) -> Department | None:
        if name not in self.by_name:
            rows, _ = org_service.list_departments(self.session, self.actor, DepartmentFilter(q=name[:100], limit=500))
            self.by_name[name] = next((d for d in rows if d.name == name), None)
        return self.by_name[name]


def _resolve(session: Session, actor: Actor, parsed: excel.ParsedCatalog, region: Region,
             errors: list[excel.CellError]) -> dict[int, Department]:
    """Each requirement's department (by 统一社会信用代码, else by exact name), and its classification code."""
    departments = _Departments(session, actor)
    found: dict[int, Department] = {}
    seen: dict[tuple[int, str], int] = {}
    classifications: dict[str, bool] = {}
    for req in parsed.requirements:
        code_cell, name_cell = req.credit_code_cell, req.department_cell
        department: Department | None = None
        if req.resolvable and code_cell.value:
            department = departments.code(code_cell.value)
            if department is None:
                errors.append(code_cell.error(f"没有统一社会信用代码为{code_cell.value}的部门"))
            elif name_cell.value and name_cell.value != department.name:
                errors.append(name_cell.error(f"与统一社会信用代码对应的部门“{department.name}”不一致"))
                department = None
        elif req.resolvable and name_cell.value:
            department = departments.name(name_cell.value)
            if department is None:
                errors.append(name_cell.error(f"没有名为“{name_cell.value}”的部门（须填写部门全称）"))
        if department is not None and not _within(department, region):
            cell = code_cell if code_cell.value else name_cell
            errors.append(cell.error(f"“{department.name}”不在{region.name}行政区域内"))
            department = None
        if department is not None:
            found[req.position] = department
            key = (department.id, normalize(req.resource_name))
            if req.resource_name and key in seen:
                errors.append(req.name_cell.error(f"同一部门的资源与第{seen[key]}行重复"))
            seen.setdefault(key, req.row)
        code = req.classification_cell.value
        if code is not None:
            if code not in classifications:
                try:
                    catalog_service.classification_by_code(session, code)
                    classifications[code] = True
                except Invalid:
                    classifications[code] = False
            if not classifications[code]:
                errors.append(req.classification_cell.error(f"分类代码不存在：{code}"))
    return found


def _refuse(errors: list[excel.CellError]) -> DomainError:
    """All or nothing: every bad cell, in sheet/row/column order, as the catalog's own Excel import lists them."""
    ordered = excel.sort_errors(errors)
    shown = "；".join(e.text() for e in ordered[:3]) + ("……" if len(ordered) > 3 else "")
    return DomainError("import_rejected", f"共{len(ordered)}处错误，未导入任何内容：{shown}",
                       f"{len(ordered)} errors; nothing was imported",
                       extra={"errors": [e.as_dict() for e in ordered[:excel.MAX_ERRORS]]})


def import_catalog(session: Session, actor: Actor, meta: CatalogImport, data: bytes,
                   filename: str | None = None) -> CollectionCatalog:
    """Import a region's collection catalog from the spreadsheet: all or nothing. The region's catalog in
    force, if any, is superseded by the new version (kept, never deleted)."""
    authorize(actor, policy.import_catalog)
    region = org_service.region_by_code(session, meta.region_code)
    parsed = excel.read_workbook(data)
    errors = list(parsed.errors)
    departments = _resolve(session, actor, parsed, region, errors)
    if errors:
        raise _refuse(errors)
    current = session.scalar(select(CollectionCatalog).where(CollectionCatalog.region_id == region.id,
                                                             CollectionCatalog.status == "in_force")
                             .with_for_update())
    number = session.scalar(select(func.max(CollectionCatalog.version_no))
                            .where(CollectionCatalog.region_id == region.id)) or 0
    catalog = CollectionCatalog(
        level=region.level, region_id=region.id, name=meta.name, version_no=number + 1, issued_on=meta.issued_on,
        status="in_force", imported_by=actor.name, source_filename=(filename or "")[:200] or None,
        source_digest=sm3_hex(data),
        requirements=[CollectionRequirement(
            position=req.position, department_id=departments[req.position].id, resource_name=req.resource_name,
            classification_code=req.classification_cell.value, update_cycle=req.update_cycle,
            items=[CollectionRequirementItem(position=n, name=i.name, data_type=i.data_type, required=i.required)
                   for n, i in enumerate(req.items)])
            for req in parsed.requirements])
    session.add(catalog)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict("该行政区划的采集目录正在被他人导入，请稍后重试",
                       "Another import of this region's catalog is in progress") from exc
    if current is not None:
        current.status, current.superseded_at, current.superseded_by_id = "superseded", utcnow(), catalog.id
    session.flush()
    audit.record(session, actor, "collection.import_catalog", object_type="collection_catalog", object_id=catalog.id,
                 medium="xlsx", detail={
                     "region": region.code, "level": region.level, "name": catalog.name,
                     "version_no": catalog.version_no, "supersedes": current.id if current else None,
                     "requirements": len(catalog.requirements),
                     "items": sum(len(r.items) for r in catalog.requirements),
                     "file": catalog.source_filename, "sm3": catalog.source_digest})
    return catalog


# --- coverage (CAT-3) --------------------------------------------------------------------------------

def _best_match(name: str, entries: list[tuple[Any, Any]]) -> tuple[str, Any, Any] | None:
    """The entry whose name matches best: an exact match, else the containing/contained name closest in
    length, then the lowest code."""
    best: tuple[tuple[int, int, str], tuple[str, Any, Any]] | None = None
    target = len(normalize(name))
    for resource, version in entries:
        kind = name_match(name, version.name)
        if kind is None:
            continue
        rank = (0 if kind == "exact" else 1, abs(len(normalize(version.name)) - target), resource.code)
        if best is None or rank < best[0]:
            best = (rank, (kind, resource, version))
    return best[1] if best else None


def _coverage_row(catalog: CollectionCatalog, req: CollectionRequirement, entries: list[tuple[Any, Any]]) -> CoverageRow:
    row = CoverageRow(catalog_id=catalog.id, catalog_name=catalog.name, catalog_level=catalog.level,
                      requirement_id=req.id, position=req.position, resource_name=req.resource_name,
                      classification_code=req.classification_code, update_cycle=req.update_cycle, covered=False)
    match = _best_match(req.resource_name, entries)
    if match is None:
        row.issues = ["missing_resource"]
        return row
    kind, resource, version = match
    row.match, row.matched_code, row.matched_name = kind, resource.code, version.name
    cls = base_class(req.classification_code) or base_class(version.classification.code)
    registered = {}
    for item in version.items:
        registered.setdefault(item_key(item.name, cls), item)
    for wanted in req.items:
        hit = registered.get(item_key(wanted.name, cls))
        if hit is None:
            row.missing_items.append(ItemGap(name=wanted.name, data_type=wanted.data_type, required=wanted.required))
        elif hit.data_type != wanted.data_type:
            row.type_mismatches.append(TypeMismatch(name=wanted.name, required_type=wanted.data_type,
                                                    registered_name=hit.name, registered_type=hit.data_type))
    if row.missing_items:
        row.issues.append("missing_items")
    if row.type_mismatches:
        row.issues.append("type_mismatch")
    row.covered = not row.issues
    return row


def coverage_report(session: Session, actor: Actor, department_id: int | None) -> CoverageReport:
    """What the collection catalogs in force for the department's region and the regions above it ask of the
    department, against its published catalog: missing resources, missing items, and items registered with
    another data type."""
    authorize(actor, policy.coverage_report, department_id)
    if department_id is None:
        raise Invalid([FieldError("department_id", "missing", "请选择部门")])
    department = org_service.get_department(session, actor, department_id)
    regions: list[int] = []
    region: Region | None = department.region
    while region is not None:
        regions.append(region.id)
        region = region.parent
    catalogs = sorted(session.scalars(select(CollectionCatalog).where(CollectionCatalog.region_id.in_(regions),
                                                                     CollectionCatalog.status == "in_force")),
                      key=lambda c: LEVEL_ORDER.get(c.level, 9))
    by_id = {c.id: c for c in catalogs}
    requirements = sorted(session.scalars(select(CollectionRequirement).where(
        CollectionRequirement.catalog_id.in_(by_id), CollectionRequirement.department_id == department.id)),
        key=lambda r: (LEVEL_ORDER.get(by_id[r.catalog_id].level, 9), r.position))
    entries = catalog_service.published_contents(session, actor, department_id=department.id)
    rows = [_coverage_row(by_id[r.catalog_id], r, entries) for r in requirements]
    counts = {"requirements": len(rows), "covered": sum(r.covered for r in rows)}
    for issue in ("missing_resource", "missing_items", "type_mismatch"):
        counts[issue] = sum(issue in r.issues for r in rows)
    return CoverageReport(department_id=department.id, department_name=department.name,
                          region_name=department.region.name,
                          catalogs=[catalog_summary(c) for c in catalogs], rows=rows, counts=counts)


# --- duplicate collection (SUP-5) --------------------------------------------------------------------

def _canonical_names() -> dict[tuple[str | None, str], str]:
    names: dict[tuple[str | None, str], str] = {(None, normalize(c)): c for c in SYNONYMS}
    for cls, entries in CLASS_SYNONYMS.items():
        names.update({(cls, normalize(c)): c for c in entries})
    return names


def _overlaps(groups: list[tuple[DuplicateGroup, frozenset[int]]], names: dict[int, str]) -> list[DuplicateOverlap]:
    """For every set of departments that share an item, the items all of them collect, where there are two
    or more: “公民身份号码 + 姓名 + 住址 collected by these four departments”."""
    found: dict[tuple[str, frozenset[int]], list[str]] = {}
    for group, departments in groups:
        key = (group.class_code, departments)
        if key in found:
            continue
        found[key] = [g.item_name for g, d in groups if g.class_code == group.class_code and departments <= d]
    overlaps = [DuplicateOverlap(class_code=cls, class_name=CLASS_NAMES.get(cls, cls),
                                 department_ids=sorted(depts), department_names=[names[d] for d in sorted(depts)],
                                 items=list(dict.fromkeys(items)))
                for (cls, depts), items in found.items() if len(set(items)) >= 2]
    return sorted(overlaps, key=lambda o: (-len(o.department_ids), -len(o.items), o.class_code))


def duplicate_report(session: Session, actor: Actor) -> DuplicateReport:
    """Information items that several departments collect about the same subject: the same canonical name
    (see ``matching``) and data type within published entries of the same 基础 class (101–105), collected
    by two or more departments; most departments first."""
    authorize(actor, policy.duplicate_report)
    entries = catalog_service.published_contents(session, actor, classification_prefixes=BASE_CLASS_CODES)
    held: dict[tuple[str, str, str], dict[int, list[DuplicateHolder]]] = defaultdict(lambda: defaultdict(list))
    names: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    departments: dict[int, str] = {}
    for resource, version in entries:
        cls = base_class(version.classification.code)
        if cls is None:
            continue
        departments[resource.department_id] = resource.department.name
        for item in version.items:
            key = (cls, item_key(item.name, cls), item.data_type)
            held[key][resource.department_id].append(DuplicateHolder(
                department_id=resource.department_id, department_name=resource.department.name,
                resource_code=resource.code, resource_name=version.name, item_name=item.name))
            names[key][item.name] += 1
    canonical = _canonical_names()
    groups: list[tuple[DuplicateGroup, frozenset[int]]] = []
    for key, by_department in held.items():
        if len(by_department) < 2:
            continue
        cls, normalized, data_type = key
        label = canonical.get((cls, normalized)) or canonical.get((None, normalized)) or names[key].most_common(1)[0][0]
        group = DuplicateGroup(class_code=cls, class_name=CLASS_NAMES.get(cls, cls), item_name=label,
                               data_type=data_type, department_count=len(by_department),
                               holders=[h for d in sorted(by_department) for h in by_department[d]])
        groups.append((group, frozenset(by_department)))
    groups.sort(key=lambda g: (-g[0].department_count, g[0].class_code, g[0].item_name, g[0].data_type))
    return DuplicateReport(entries_examined=len(entries), groups=[g for g, _ in groups],
                           overlaps=_overlaps(groups, departments))


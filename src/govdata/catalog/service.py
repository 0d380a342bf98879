"""Catalog services: register entries, keep every version, review and publish them, withdraw them.

An entry is a ``Resource`` with versions. Editing a published entry makes a new draft version; the
published one stays visible until the new one passes review (CAT-2). Review runs on the workflow core:
the department's own confidentiality review (CAT-4, SEC-5), then the big data center.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, false, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from govdata.catalog import events, policy, rules, search
from govdata.catalog.events import on_published  # noqa: F401  (followers subscribe through the service)
from govdata.catalog.excel import CellError, ParsedCatalog, sort_errors
from govdata.catalog.models import RESOURCE_STATUSES, Classification, Resource, ResourceItem, ResourceVersion
from govdata.catalog.interop import KEYWORD_SEPARATORS, PublishedFilter, PublishedPage, split_keywords
from govdata.catalog.schemas import ResourceCreate, ResourceDraft, ResourceFilter, ReviewDecision, WithdrawalRequest
from govdata.catalog.standard import STRUCTURED_FORMATS, resource_code
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.db import settings_of, utcnow
from govdata.core.errors import Conflict, DomainError, FieldError, Invalid, NotFound, invalid
from govdata.core.policy import allowed, authorize
from govdata.org.models import Department
from govdata.org import service as org_service
from govdata.workflow import service as workflow

REVIEW = "catalog_review"
WITHDRAWAL = "catalog_withdrawal"
VERSION_FIELDS = ("name", "summary", "format", "share_type", "share_condition", "share_method", "legal_basis",
                  "open_to_public", "open_condition", "update_cycle", "release_date", "related_codes", "data_level",
                  "secret_declared", "keywords")
ITEM_FIELDS = ("name", "field_code", "data_type", "length", "required", "is_key", "sensitivity", "pii_kind",
               "shared", "description")


def _resource(session: Session, code: str, lock: bool = False) -> Resource:
    query = select(Resource).where(Resource.code == code)
    if lock:
        query = query.with_for_update()
    resource = session.scalar(query)
    if resource is None:
        raise NotFound("目录资源", code, "Catalog resource")
    return resource


def version(session: Session, version_id: int | None) -> ResourceVersion | None:
    return session.get(ResourceVersion, version_id) if version_id else None


def classification_by_code(session: Session, code: str) -> Classification:
    found = session.scalar(select(Classification).where(Classification.code == code))
    if found is None:
        raise Invalid([FieldError("classification_code", "unknown", f"分类代码不存在：{code}")])
    return found


def snapshot(v: ResourceVersion) -> dict[str, Any]:
    data = {f: getattr(v, f) for f in VERSION_FIELDS}
    data["classification_code"] = v.classification.code if v.classification else None
    data["items"] = [{f: getattr(i, f) for f in ITEM_FIELDS} for i in v.items]
    return data


def _validate(draft: ResourceDraft) -> None:
    errors = rules.check(draft)
    if errors:
        raise Invalid(errors)


def _fill(session: Session, v: ResourceVersion, draft: ResourceDraft) -> None:
    v.classification_id = classification_by_code(session, draft.classification_code).id
    for f in VERSION_FIELDS:
        setattr(v, f, getattr(draft, f))
    v.change_reason = draft.change_reason
    if v.items:  # a draft's working copy: the old items go first (their content is in the audit entry)
        v.items.clear()
        session.flush()
    v.items = [ResourceItem(position=n, **item.model_dump()) for n, item in enumerate(draft.items)]


def _next_code(session: Session, classification: Classification) -> str:
    prefix = resource_code(classification.code, 0)[:10]
    last = session.scalar(select(func.max(Resource.code)).where(Resource.code.startswith(prefix)))
    sequence = int(last[-6:]) + 1 if last else 1
    return resource_code(classification.code, sequence)


# --- reading -----------------------------------------------------------------------------------------

def list_resources(session: Session, actor: Actor, filt: ResourceFilter) -> tuple[list[Resource], int]:
    """Entries the actor may see, filtered. Published content is matched for everyone; the caller's own
    drafts are matched on their draft content (``mine``)."""
    authorize(actor, policy.list_resources)
    if filt.q and not filt.mine and filt.status is None:  # published entries, all in the search index (CAT-5)
        ids, total = search.find(session, filt)
        found = session.scalars(select(Resource).where(Resource.id.in_(ids)).order_by(Resource.code)) if ids else []
        return list(found), total
    shown = ResourceVersion.id == (Resource.draft_version_id if filt.mine else Resource.published_version_id)
    if filt.mine:
        shown = ResourceVersion.id == func.coalesce(Resource.draft_version_id, Resource.published_version_id)
    query = select(Resource).join(ResourceVersion, shown).where(policy.resources_visible_to(actor))
    if filt.mine:
        query = query.where(Resource.department_id == actor.department_id)
    elif filt.status is None:  # the published catalog: withdrawn entries only when asked for by status
        query = query.where(ResourceVersion.status == "published")
    if filt.q and not filt.mine:  # published content with a status filter: the search index too
        query = query.where(Resource.id.in_(search.matching(session, filt.q)))
    elif filt.q:  # the department's own drafts are not indexed: a plain scan of its few entries
        like = "%" + filt.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        items = select(ResourceItem.version_id).where(ResourceItem.name.like(like, escape="\\"))
        query = query.where(or_(ResourceVersion.name.like(like, escape="\\"),
                                ResourceVersion.summary.like(like, escape="\\"),
                                Resource.code.like(like, escape="\\"), ResourceVersion.id.in_(items)))
    if filt.department_id:
        query = query.where(Resource.department_id == filt.department_id)
    if filt.classification_code:
        codes = select(Classification.id).where(Classification.code.startswith(filt.classification_code))
        query = query.where(ResourceVersion.classification_id.in_(codes))
    for field in ("share_type", "format", "update_cycle", "open_to_public"):
        value = getattr(filt, field)
        if value is not None:
            query = query.where(getattr(ResourceVersion, field) == value)
    if filt.status:
        query = query.where(Resource.status == filt.status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Resource.code).offset(filt.offset).limit(filt.limit))
    return list(rows), total


def get_resource_by_id(session: Session, actor: Actor, resource_id: int) -> Resource:
    """The same as ``get_resource``, for callers that hold the id (work items name their subject by id)."""
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFound("目录资源", resource_id, "Catalog resource")
    authorize(actor, policy.get_resource_by_id, resource)
    return resource


def get_resource(session: Session, actor: Actor, code: str) -> Resource:
    resource = _resource(session, code)
    authorize(actor, policy.get_resource, resource)
    return resource


def draft_for(session: Session, actor: Actor, resource: Resource) -> ResourceVersion | None:
    """The entry's draft if this actor may see it, else None."""
    if resource.draft_version_id is None or not allowed(actor, policy.draft_for, resource):
        return None
    return version(session, resource.draft_version_id)


def version_history(session: Session, actor: Actor, code: str) -> list[ResourceVersion]:
    """The versions of an entry, newest first: all of them for its department and the overseers, the ones
    that were published for everyone else."""
    resource = get_resource(session, actor, code)
    query = select(ResourceVersion).where(ResourceVersion.resource_id == resource.id)
    if not allowed(actor, policy.version_history, resource):
        query = query.where(ResourceVersion.status.in_(("published", "superseded", "withdrawn")))
    return list(session.scalars(query.order_by(ResourceVersion.version_no.desc())))


def facets(session: Session, actor: Actor, filt: ResourceFilter) -> dict[str, list[tuple[Any, str, int]]]:
    """Counts of published entries per department, classification (项), share type, format, update cycle
    and openness, as (value, label, count), for the filter's query; each facet ignores its own filter so
    its other values keep their counts. ``mine``, ``status``, ``offset`` and ``limit`` do not apply."""
    authorize(actor, policy.facets)
    return search.facet_counts(session, filt)


def classification_tree(session: Session, actor: Actor) -> list[search.TreeNode]:
    """The classification (类 > 项 …) with the number of published entries under each node."""
    authorize(actor, policy.classification_tree)
    return search.tree(session)


# --- writing -----------------------------------------------------------------------------------------

def create_resource(session: Session, actor: Actor, payload: ResourceCreate) -> Resource:
    department_id = payload.department_id or actor.department_id
    authorize(actor, policy.create_resource, department_id)
    assert department_id is not None
    department = org_service.get_department(session, actor, department_id)
    draft = ResourceDraft.model_validate(payload.model_dump(exclude={"department_id"}))
    _validate(draft)
    classification = classification_by_code(session, draft.classification_code)
    resource = Resource(code=_next_code(session, classification), department_id=department.id, status="draft",
                        created_by=actor.name)
    session.add(resource)
    session.flush()
    v = ResourceVersion(resource_id=resource.id, version_no=1, status="draft", created_by=actor.name)
    _fill(session, v, draft)
    session.add(v)
    session.flush()
    resource.draft_version_id = v.id
    audit.record(session, actor, "catalog.create_resource", object_type="catalog_resource", object_id=resource.code,
                 department_id=department.id, detail={"after": snapshot(v)})
    return resource


def update_draft(session: Session, actor: Actor, code: str, payload: ResourceDraft) -> Resource:
    """Change an entry. A draft or returned version is edited; a published entry gets a new draft version."""
    resource = _resource(session, code, lock=True)
    authorize(actor, policy.update_draft, resource)
    if resource.status in ("confidentiality_review", "center_review"):
        raise Conflict("审核中的目录不能修改，请等待审核结果或联系审核人退回",
                       "The entry is under review and cannot be changed now")
    if resource.status == "withdrawn":
        raise Conflict("已撤销的目录不能修改", "The entry was withdrawn")
    _validate(payload)
    current = version(session, resource.draft_version_id)
    base = current or version(session, resource.published_version_id)
    before = snapshot(base) if base else None
    if current is None:
        number = session.scalar(select(func.max(ResourceVersion.version_no))
                                .where(ResourceVersion.resource_id == resource.id)) or 0
        current = ResourceVersion(resource_id=resource.id, version_no=number + 1, status="draft",
                                  created_by=actor.name)
    _fill(session, current, payload)
    session.add(current)
    session.flush()
    resource.draft_version_id = current.id
    if resource.status == "published":
        resource.status = "published"  # stays published; the draft waits beside it
    audit.record(session, actor, "catalog.update_draft", object_type="catalog_resource", object_id=resource.code,
                 department_id=resource.department_id, purpose=payload.change_reason,
                 detail={"version_no": current.version_no, "before": before, "after": snapshot(current)})
    return resource


def submit_resource(session: Session, actor: Actor, code: str) -> Resource:
    """Send the draft to review. An entry declared 涉密 is refused here and never reaches review (SEC-5)."""
    resource = _resource(session, code, lock=True)
    authorize(actor, policy.submit_resource, resource)
    draft = version(session, resource.draft_version_id)
    if draft is None or draft.status not in ("draft", "returned"):
        raise Conflict("没有待提交的草稿", "There is no draft to submit")
    if draft.secret_declared:
        audit.record(session, actor, "catalog.submit_resource", object_type="catalog_resource", object_id=code,
                     department_id=resource.department_id, result="denied", detail={"reason": "secret_declared"})
        raise Conflict("涉及国家秘密的数据不得在政务数据汇聚共享平台上登记发布（第二十条）",
                       "Data declared a state secret can never be published on the platform", code="secret_refused",
                       errors=[FieldError("secret_declared", "secret_refused", "涉密数据不得发布")], keep_writes=True)
    _validate(ResourceDraft.model_validate({**snapshot(draft), "change_reason": draft.change_reason}))
    _keep_item_types(version(session, resource.published_version_id), draft)
    unknown = [c for c in draft.related_codes if c != code and session.scalar(
        select(Resource.id).where(Resource.code == c)) is None]
    if unknown:
        raise Invalid([FieldError("related_codes", "unknown", f"关联资源不存在：{'、'.join(unknown)}")])
    item = workflow.item_for(session, "catalog_resource", resource.id)
    if item is not None and item.process == REVIEW and item.state == "returned":
        item = workflow.advance(session, actor, item.id, "resubmit")
    else:
        item = workflow.start(session, actor, REVIEW, "catalog_resource", resource.id, f"目录：{draft.name}",
                              resource.department_id)
    draft.status = "in_review"
    draft.submitted_at = utcnow()
    resource.status = item.state
    session.flush()
    audit.record(session, actor, "catalog.submit_resource", object_type="catalog_resource", object_id=code,
                 department_id=resource.department_id, detail={"version_no": draft.version_no, "work_item": item.id})
    return resource


def _keep_item_types(published: ResourceVersion | None, draft: ResourceVersion) -> None:
    """A published structured entry's data is held in typed columns that never change (AGG): a new
    version may add items, drop them or lengthen text items, but not give an existing item another type."""
    if published is None or published.format not in STRUCTURED_FORMATS:
        return
    before = {item.field_code: item.data_type for item in published.items}
    errors = [FieldError(f"items[{i}].data_type", "item_type_changed",
                         f"已发布的信息项“{item.name}（{item.field_code}）”的数据类型不能由{before[item.field_code]}改为"
                         f"{item.data_type}（已汇聚的数据按原类型存储）；如需新类型，请新增信息项")
              for i, item in enumerate(draft.items)
              if item.field_code in before and before[item.field_code] != item.data_type]
    if errors:
        raise Invalid(errors, code="item_type_changed")


def review_resource(session: Session, actor: Actor, code: str, decision: ReviewDecision) -> Resource:
    """Take a review step; the final approval publishes the version and supersedes the previous one."""
    resource = _resource(session, code, lock=True)
    authorize(actor, policy.review_resource, resource)
    item = workflow.item_for(session, "catalog_resource", resource.id)
    if item is None or item.process != REVIEW or item.closed_at is not None:
        raise Conflict("该目录没有进行中的审核", "No review in progress for this entry")
    draft = version(session, resource.draft_version_id)
    assert draft is not None
    if decision.transition == "resubmit":
        return submit_resource(session, actor, code)
    item = workflow.advance(session, actor, item.id, decision.transition, decision.reason)
    now = utcnow()
    if item.state == "published":
        previous = version(session, resource.published_version_id)
        if previous is not None:
            previous.status = "superseded"
        draft.status, draft.published_at = "published", now
        resource.published_version_id, resource.draft_version_id = draft.id, None
        resource.published_at = resource.published_at or now
        resource.status = "published"
        if draft.share_type == "暂不共享":
            resource.next_share_review_at = _share_review_date(session, now)
        else:
            resource.next_share_review_at = None
        session.flush()
        search.reindex(session, resource)
        events.published(session, actor, resource, draft)
    elif item.state == "returned":
        draft.status = "returned"
        resource.status = "returned" if resource.published_version_id is None else "published"
    elif item.state == "abandoned":
        draft.status = "withdrawn"
        resource.draft_version_id = None
        resource.status = "published" if resource.published_version_id else "withdrawn"
    else:
        resource.status = item.state
    session.flush()
    audit.record(session, actor, f"catalog.review_resource.{decision.transition}", object_type="catalog_resource",
                 object_id=code, department_id=resource.department_id, purpose=decision.reason,
                 detail={"version_no": draft.version_no, "state": item.state})
    return resource


def request_withdrawal(session: Session, actor: Actor, code: str, payload: WithdrawalRequest) -> Resource:
    resource = _resource(session, code, lock=True)
    authorize(actor, policy.request_withdrawal, resource)
    if resource.published_version_id is None or resource.status == "withdrawn":
        raise Conflict("只有已发布的目录可以申请撤销", "Only published entries can be withdrawn")
    open_item = workflow.item_for(session, "catalog_resource", resource.id)
    if open_item is not None and open_item.closed_at is None:
        raise Conflict("该目录有进行中的审批，请先办结", "Another approval of this entry is in progress")
    item = workflow.start(session, actor, WITHDRAWAL, "catalog_resource", resource.id, f"撤销目录：{resource.code}",
                          resource.department_id)
    session.flush()
    audit.record(session, actor, "catalog.request_withdrawal", object_type="catalog_resource", object_id=code,
                 department_id=resource.department_id, purpose=payload.reason, detail={"work_item": item.id})
    return resource


def decide_withdrawal(session: Session, actor: Actor, code: str, decision: ReviewDecision) -> Resource:
    resource = _resource(session, code, lock=True)
    authorize(actor, policy.decide_withdrawal, resource)
    item = workflow.item_for(session, "catalog_resource", resource.id)
    if item is None or item.process != WITHDRAWAL or item.closed_at is not None:
        raise Conflict("该目录没有待审批的撤销申请", "No withdrawal request pending")
    item = workflow.advance(session, actor, item.id, decision.transition, decision.reason)
    if item.state == "approved":
        published = version(session, resource.published_version_id)
        if published is not None:
            published.status = "withdrawn"
        resource.status = "withdrawn"
        search.reindex(session, resource)
    session.flush()
    audit.record(session, actor, f"catalog.decide_withdrawal.{decision.transition}", object_type="catalog_resource",
                 object_id=code, department_id=resource.department_id, purpose=decision.reason,
                 detail={"state": item.state})
    return resource


# --- catalog interchange for harvesters (DCAT export, CKAN action API; CAT-5, OPN-1) -------------------
# Anonymous callers are let in by the edge for these reads only and see what is open to the public.

def _published_query(actor: Actor) -> Any:
    """Published, not withdrawn entries the actor may see, with their published version and department."""
    return (select(Resource, ResourceVersion)
            .join(ResourceVersion, ResourceVersion.id == Resource.published_version_id)
            .join(Department, Department.id == Resource.department_id)
            .where(ResourceVersion.status == "published", policy.published_visible_to(actor)))


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _has_keyword(tag: str) -> Any:
    """The version's keywords contain ``tag`` as a whole keyword (separators normalised to commas)."""
    keywords: Any = func.coalesce(ResourceVersion.keywords, "")
    for separator in KEYWORD_SEPARATORS[1:]:
        keywords = func.replace(keywords, separator, ",")
    return (literal(",", String) + keywords + literal(",", String)).like(_like(f",{tag},"), escape="\\")


def _filtered(session: Session, query: Any, filt: PublishedFilter) -> Any:
    if filt.match_nothing:
        return query.where(false())
    for term in filt.terms:  # the same Chinese search index as the catalog pages (CAT-5)
        query = query.where(Resource.id.in_(search.matching(session, term)))
    if filt.code:
        query = query.where(Resource.code == filt.code.upper())
    if filt.organization:
        query = query.where(Department.credit_code == filt.organization.upper())
    for tag in filt.tags:
        query = query.where(_has_keyword(tag))
    if filt.format:
        query = query.where(ResourceVersion.format == filt.format)
    if filt.modified_from:
        query = query.where(ResourceVersion.published_at >= filt.modified_from)
    if filt.modified_to:
        query = query.where(ResourceVersion.published_at <= filt.modified_to)
    return query


_SORT_COLUMNS: dict[str, Any] = {"metadata_modified": ResourceVersion.published_at,
                                 "metadata_created": Resource.published_at, "name": Resource.code,
                                 "title_string": ResourceVersion.name}


def _facets(session: Session, query: Any, filt: PublishedFilter) -> dict[str, list[tuple[str, str, int]]]:
    counts: dict[str, dict[str, tuple[str, int]]] = {}
    if "organization" in filt.facet_fields:
        rows = session.execute(query.with_only_columns(Department.credit_code, Department.name, func.count())
                               .group_by(Department.credit_code, Department.name))
        counts["organization"] = {code.lower(): (name, n) for code, name, n in rows}
    if "tags" in filt.facet_fields:
        tags: dict[str, tuple[str, int]] = {}
        for keywords in session.scalars(query.with_only_columns(ResourceVersion.keywords)):
            for tag in split_keywords(keywords):
                tags[tag] = (tag, tags.get(tag, (tag, 0))[1] + 1)
        counts["tags"] = tags
    result: dict[str, list[tuple[str, str, int]]] = {}
    for name, found in counts.items():
        ranked = sorted(((key, label, n) for key, (label, n) in found.items() if n >= filt.facet_mincount),
                        key=lambda entry: (-entry[2], entry[0]))
        result[name] = ranked if filt.facet_limit < 0 else ranked[:filt.facet_limit]
    return result


def list_published(session: Session, actor: Actor, filt: PublishedFilter) -> PublishedPage:
    """Published entries for harvesters (CKAN package_list / package_search): every published entry for a
    signed-in caller, only those open to the public for an anonymous one; drafts never."""
    authorize(actor, policy.list_published)
    query = _filtered(session, _published_query(actor), filt)
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Resource.id).subquery())) or 0
    facets = _facets(session, query, filt) if filt.facet_fields else {}
    order = [_SORT_COLUMNS[f].desc() if descending else _SORT_COLUMNS[f].asc() for f, descending in filt.sort]
    query = query.options(selectinload(Resource.department), selectinload(ResourceVersion.classification))
    query = query.order_by(*order, Resource.code).offset(filt.start)
    if filt.rows is not None:
        query = query.limit(filt.rows)
    rows = [(r, v) for r, v in session.execute(query)] if filt.rows != 0 else []
    return PublishedPage(rows=rows, total=total, facets=facets)


def get_published(session: Session, actor: Actor, code: str) -> tuple[Resource, ResourceVersion]:
    """One published entry (CKAN package_show); an entry the caller may not see is not found."""
    authorize(actor, policy.get_published)
    row = session.execute(_published_query(actor).where(Resource.code == code.strip().upper())
                          .options(selectinload(Resource.department),
                                   selectinload(ResourceVersion.classification))).first()
    if row is None:
        raise NotFound("目录资源", code, "Catalog resource")
    return row[0], row[1]


def export_dcat(session: Session, actor: Actor) -> list[tuple[Resource, ResourceVersion]]:
    """Every published entry the caller may see, for the DCAT-AP export."""
    authorize(actor, policy.export_dcat)
    page = list_published(session, actor, PublishedFilter())
    # Only signed-in exports are audited: they carry entries not open to the public (SEC-2). An anonymous
    # export holds nothing beyond the open catalog, and harvesters polling it would flood the audit log.
    if actor.is_authenticated:
        audit.record(session, actor, "catalog.export_dcat", object_type="catalog", medium="json-ld",
                     data_content={"resources": len(page.rows)})
    return page.rows


def list_publishers(session: Session, actor: Actor) -> list[tuple[Department, int]]:
    """Departments with published entries the caller may see, and how many (CKAN organization_list)."""
    authorize(actor, policy.list_publishers)
    counted = (_published_query(actor).with_only_columns(Department.id, func.count())
               .group_by(Department.id).subquery())
    rows = session.execute(select(Department, counted.c[1]).join(counted, counted.c.id == Department.id)
                           .order_by(Department.credit_code))
    return [(department, count) for department, count in rows]


def get_publisher(session: Session, actor: Actor, name: str,
                  datasets: int = 0) -> tuple[Department, int, list[tuple[Resource, ResourceVersion]]]:
    """A department that publishes entries the caller may see, by its unified social credit code (any
    case), with its count and up to ``datasets`` of those entries (CKAN organization_show)."""
    authorize(actor, policy.get_publisher)
    department = session.scalar(select(Department).where(Department.credit_code == name.strip().upper()))
    page = list_published(session, actor, PublishedFilter(organization=name.strip(), rows=datasets))
    if department is None or page.total == 0:
        raise NotFound("发布部门", name, "Organization")
    return department, page.total, page.rows


# --- reads for other contexts' reports, and sharing pressure (CAT-3, SUP-5, SHR-1, SHR-6) ---------------

def published_contents(session: Session, actor: Actor, department_id: int | None = None,
                       classification_prefixes: tuple[str, ...] = ()) -> list[tuple[Resource, ResourceVersion]]:
    """Published, not withdrawn entries with their published version (items, classification and department
    loaded), for the reports of other contexts: one department's, and/or those filed under classification
    codes starting with one of ``classification_prefixes``."""
    authorize(actor, policy.published_contents)
    query = (select(Resource, ResourceVersion)
             .join(ResourceVersion, ResourceVersion.id == Resource.published_version_id)
             .where(ResourceVersion.status == "published")
             .options(selectinload(Resource.department), selectinload(ResourceVersion.classification)))
    if department_id is not None:
        query = query.where(Resource.department_id == department_id)
    if classification_prefixes:
        codes = select(Classification.id).where(or_(*(Classification.code.startswith(p)
                                                      for p in classification_prefixes)))
        query = query.where(ResourceVersion.classification_id.in_(codes))
    return [(r, v) for r, v in session.execute(query.order_by(Resource.code))]


@dataclass
class PressureEntry:
    code: str
    name: str
    department_id: int
    department_name: str
    share_type: str
    share_condition: str | None
    legal_basis: str | None
    published_at: dt.datetime | None
    next_share_review_at: dt.date | None
    review_due: bool


@dataclass
class DepartmentPressure:
    department_id: int
    department_name: str
    entries: list[PressureEntry]
    conditional: int = 0
    not_shared: int = 0
    review_due: int = 0


@dataclass
class SharingPressure:
    as_of: dt.date
    review_months: int
    conditional: int
    not_shared: int
    departments: list[DepartmentPressure]
    due: list[PressureEntry]


def sharing_pressure(session: Session, actor: Actor, department_id: int | None = None,
                     as_of: dt.date | None = None) -> SharingPressure:
    """Per department, the published entries shared only on conditions (有条件共享) or not shared for now
    (暂不共享), each with its legal basis (SHR-1), and the 暂不共享 entries whose periodic review is due on or
    before ``as_of`` (default today; SHR-6). Overseers see every department, a department its own rows."""
    authorize(actor, policy.sharing_pressure, department_id)
    today = as_of or utcnow().date()
    query = (select(Resource, ResourceVersion)
             .join(ResourceVersion, ResourceVersion.id == Resource.published_version_id)
             .where(ResourceVersion.status == "published", ResourceVersion.share_type.in_(("有条件共享", "暂不共享")),
                    policy.pressure_visible_to(actor))
             .options(selectinload(Resource.department)))
    if department_id is not None:
        query = query.where(Resource.department_id == department_id)
    departments: dict[int, DepartmentPressure] = {}
    due: list[PressureEntry] = []
    for resource, v in session.execute(query.order_by(Resource.department_id, Resource.code)):
        review_at = resource.next_share_review_at
        entry = PressureEntry(resource.code, v.name, resource.department_id, resource.department.name, v.share_type,
                              v.share_condition, v.legal_basis, v.published_at, review_at,
                              v.share_type == "暂不共享" and (review_at is None or review_at <= today))
        row = departments.setdefault(resource.department_id,
                                     DepartmentPressure(resource.department_id, resource.department.name, []))
        row.entries.append(entry)
        if v.share_type == "有条件共享":
            row.conditional += 1
        else:
            row.not_shared += 1
        if entry.review_due:
            row.review_due += 1
            due.append(entry)
    rows = sorted(departments.values(), key=lambda d: (-(d.conditional + d.not_shared), d.department_id))
    due.sort(key=lambda e: (e.next_share_review_at or dt.date.min, e.code))
    return SharingPressure(today, settings_of(session).share_review_months, sum(d.conditional for d in rows),
                           sum(d.not_shared for d in rows), rows, due)


def _share_review_date(session: Session, published: dt.datetime) -> dt.date:
    """When a 暂不共享 entry published at ``published`` comes up for review: GOVDATA_SHARE_REVIEW_MONTHS
    later, on the same day of the month (or that month's last day)."""
    day = published.date()
    year, month = divmod(day.month - 1 + settings_of(session).share_review_months, 12)
    year, month = day.year + year, month + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


# --- Excel interchange of a department's catalog (CAT-1; the workbook itself is catalog/excel.py) ---------

IMPORT_MODES = ("all", "valid")
IMPORT_CHANGE_REASON = "通过 Excel 批量导入修改"


@dataclass
class ImportResult:
    imported: list[str]  # the codes of the entries created or changed, in sheet order
    created: int
    updated: int
    errors: list[CellError]  # with mode "valid": the rows that were left out, and why


def import_catalog(session: Session, actor: Actor, department_id: int | None, parsed: ParsedCatalog,
                   mode: str = "all") -> ImportResult:
    """Register (no 资源代码) or change (资源代码 of one of the department's entries) every entry of a parsed
    workbook, each through ``create_resource`` / ``update_draft`` so it is validated and audited like any other.
    mode "all": when any cell fails nothing is written (``import_rejected``, every error listed); mode "valid":
    the entries without errors are written and every error is still reported. What needs the database is
    checked for every row before the first write, so a rejected import has written nothing."""
    department_id = department_id or actor.department_id
    authorize(actor, policy.import_catalog, department_id)
    if mode not in IMPORT_MODES:
        raise invalid("mode", "导入方式只能是 all（全部无误才导入）或 valid（只导入无误的资源）")
    if department_id is None:
        raise invalid("department_id", "请选择导入到哪个部门")
    department = org_service.get_department(session, actor, department_id)
    _check_import(session, department, parsed)
    errors = sort_errors([*parsed.errors, *(e for r in parsed.resources for e in r.errors)])
    summary = {"mode": mode, "resources": len(parsed.resources), "items": parsed.item_count, "errors": len(errors)}
    if errors and mode == "all":
        audit.record(session, actor, "catalog.import_catalog", object_type="department", object_id=department.id,
                     department_id=department.id, medium="xlsx", result="failure",
                     detail={**summary, "created": 0, "updated": 0})
        raise _rejected(errors, keep_writes=True)  # only the audit entry was written
    imported: list[str] = []
    created = updated = 0
    for entry in parsed.valid:
        assert entry.draft is not None
        try:
            if entry.code:
                draft = entry.draft
                if not draft.change_reason:
                    draft = draft.model_copy(update={"change_reason": IMPORT_CHANGE_REASON})
                resource = update_draft(session, actor, entry.code, draft)
                updated += 1
            else:
                payload = ResourceCreate.model_validate({**entry.draft.model_dump(), "department_id": department.id})
                resource = create_resource(session, actor, payload)
                created += 1
        except DomainError as exc:  # not foreseen by the checks above: the whole import is undone
            failed = entry.add(exc.errors) if exc.errors else [entry.locate("key", exc.message("zh"))]
            raise _rejected(sort_errors([*errors, *failed])) from exc
        imported.append(resource.code)
    audit.record(session, actor, "catalog.import_catalog", object_type="department", object_id=department.id,
                 department_id=department.id, medium="xlsx",
                 detail={**summary, "created": created, "updated": updated})
    return ImportResult(imported, created, updated, errors)


def _check_import(session: Session, department: Department, parsed: ParsedCatalog) -> None:
    """What the workbook alone cannot tell: known classification codes, and entries to change that exist,
    belong to this department and are not under review or withdrawn. Errors land on the entry's cells."""
    classifications = set(session.scalars(select(Classification.code)))
    codes = [r.code for r in parsed.resources if r.code]
    existing: dict[str, Resource] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        existing.update((r.code, r) for r in session.scalars(select(Resource).where(Resource.code.in_(chunk))))
    for entry in parsed.resources:
        if entry.draft is not None and entry.draft.classification_code not in classifications:
            entry.add([FieldError("classification_code", "unknown",
                                  f"分类代码“{entry.draft.classification_code}”不存在，见“说明”表的资源分类")])
        if not entry.code:
            continue
        resource = existing.get(entry.code)
        problem = None
        if resource is None:
            problem = f"资源代码“{entry.code}”不存在；登记新目录请留空"
        elif resource.department_id != department.id:
            problem = f"资源代码“{entry.code}”不是{department.name}的目录，不能在此修改；复制到本部门请清空资源代码"
        elif resource.status in ("confidentiality_review", "center_review"):
            problem = "该目录正在审核中，不能修改，请等待审核结果或联系审核人退回"
        elif resource.status == "withdrawn":
            problem = "该目录已撤销，不能修改"
        if problem:
            entry.add([FieldError("code", "unknown", problem)])


def _rejected(errors: list[CellError], keep_writes: bool = False) -> DomainError:
    shown = "；".join(e.text() for e in errors[:5]) + ("……" if len(errors) > 5 else "")
    return DomainError("import_rejected", f"共{len(errors)}处错误，未导入任何内容：{shown}",
                       f"{len(errors)} errors; nothing was imported", keep_writes=keep_writes,
                       extra={"imported": [], "errors": [e.as_dict() for e in errors]})


def export_catalog(session: Session, actor: Actor, department_id: int | None = None,
                   status: str | None = None) -> list[dict[str, Any]]:
    """The entries the actor may see, for the workbook, in code order: a department's (``department_id``) or
    every department's. Each entry's draft where the actor may see drafts (its own department, the
    overseers), else its published version; ``status`` filters on the entry's status as the catalog list does
    (``published`` exports the published content). Withdrawn entries only when asked for. Each row is the
    version's content (``snapshot``) with the entry's code, status, version number and department."""
    authorize(actor, policy.export_catalog, department_id)
    if status is not None and status not in RESOURCE_STATUSES:
        raise invalid("status", "目录状态只能是：" + "、".join(RESOURCE_STATUSES))
    query = select(Resource).where(policy.resources_visible_to(actor)).options(selectinload(Resource.department))
    if department_id is not None:
        query = query.where(Resource.department_id == org_service.get_department(session, actor, department_id).id)
    query = query.where(Resource.status == status) if status else query.where(Resource.status != "withdrawn")
    chosen: list[tuple[Resource, int]] = []
    for resource in session.scalars(query.order_by(Resource.code)):
        shown = resource.published_version_id
        if status != "published" and resource.draft_version_id and allowed(actor, policy.draft_for, resource):
            shown = resource.draft_version_id
        if shown is not None:
            chosen.append((resource, shown))
    versions: dict[int, ResourceVersion] = {}
    ids = [v for _, v in chosen]
    for start in range(0, len(ids), 500):
        versions.update((v.id, v) for v in session.scalars(
            select(ResourceVersion).where(ResourceVersion.id.in_(ids[start:start + 500]))
            .options(selectinload(ResourceVersion.classification))))
    rows = [{**snapshot(versions[v]), "code": r.code, "status": r.status, "version_no": versions[v].version_no,
             "department": r.department.name} for r, v in chosen]
    audit.record(session, actor, "catalog.export_catalog", object_type="catalog_resource", medium="xlsx",
                 department_id=department_id,
                 detail={"department_id": department_id, "status": status, "entries": len(rows),
                         "codes": [r["code"] for r in rows][:200]})
    return rows

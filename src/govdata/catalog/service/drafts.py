"""Drafts: registering an entry (its first version) and changing it. A draft or returned version is edited
in place; a published entry gets a new draft version beside the published one (CAT-2).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govdata.catalog import policy
from govdata.catalog.models import Classification, Resource, ResourceItem, ResourceVersion
from govdata.catalog.schemas import ResourceCreate, ResourceDraft
from govdata.catalog.service.versions import (
    VERSION_FIELDS,
    classification_by_code,
    resource_by_code,
    snapshot,
    validate_draft,
    version,
)
from govdata.catalog.standard import resource_code
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.errors import Conflict
from govdata.core.policy import authorize
from govdata.org import service as org_service

__all__ = ["create_resource", "update_draft"]


def create_resource(session: Session, actor: Actor, payload: ResourceCreate) -> Resource:
    department_id = payload.department_id or actor.department_id
    authorize(actor, policy.create_resource, department_id)
    assert department_id is not None
    department = org_service.get_department(session, actor, department_id)
    draft = ResourceDraft.model_validate(payload.model_dump(exclude={"department_id"}))
    validate_draft(draft)
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
    resource = resource_by_code(session, code, lock=True)
    authorize(actor, policy.update_draft, resource)
    if resource.status in ("confidentiality_review", "center_review"):
        raise Conflict("审核中的目录不能修改，请等待审核结果或联系审核人退回",
                       "The entry is under review and cannot be changed now")
    if resource.status == "withdrawn":
        raise Conflict("已撤销的目录不能修改", "The entry was withdrawn")
    validate_draft(payload)
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

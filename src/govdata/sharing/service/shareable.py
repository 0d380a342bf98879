"""What can be shared (SHR-1, SHR-6): published catalog entries as a consumer sees them — share type,
provider, legal basis, shared items with their default masking, whether the data is on the platform, and
what the caller may do (subscribe, request, draft one for the data manager, or nothing and why). Every
signed-in caller may browse; 暂不共享 entries are listed with their legal basis and no way to apply."""

from __future__ import annotations

import re

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from govdata.aggregation.models import Dataset
from govdata.catalog import service as catalog_service
from govdata.catalog.models import Resource, ResourceVersion
from govdata.catalog.schemas import ResourceFilter
from govdata.catalog.standard import STRUCTURED_FORMATS
from govdata.core.actor import Actor
from govdata.core.errors import NotFound
from govdata.core.policy import authorize
from govdata.org.models import Department
from govdata.sharing import policy
from govdata.sharing.masking import RULES, default_masking
from govdata.sharing.models import ShareRequest
from govdata.sharing.models.requests import OPEN_STATUSES
from govdata.sharing.schemas import RESOURCE_CODE_PATTERN, Shareable, ShareableFilter, ShareableItem
from govdata.sharing.service.grants import active_grant_counts
from govdata.sharing.terms import shared_items

__all__ = ["get_shareable", "list_shareable", "published_entry"]


def _action(actor: Actor, resource: Resource, version: ResourceVersion) -> tuple[str, str | None]:
    if version.share_type == "暂不共享":
        return "none", "该资源为暂不共享类，不能申请"
    if version.format not in STRUCTURED_FORMATS:
        return "none", "该资源不是结构化数据，不能通过共享服务提供"
    if actor.kind != "user" or actor.department_id is None:
        return "none", "仅政务部门的数据管理员可以申请"
    if resource.department_id == actor.department_id:
        return "none", "本部门的数据资源，无需申请"
    if actor.has("dept_manager"):
        return ("subscribe", None) if version.share_type == "无条件共享" else ("request", None)
    if actor.has("data_user"):
        return "draft", None
    return "none", "订阅和申请由部门数据管理员提交；数据使用人员可以起草申请"


def _shareables(session: Session, actor: Actor, resources: list[Resource]) -> list[Shareable]:
    ids = [r.id for r in resources]
    versions = {v.id: v for v in session.scalars(select(ResourceVersion).where(
        ResourceVersion.id.in_([r.published_version_id for r in resources])))}
    names = dict(session.execute(select(Department.id, Department.name).where(
        Department.id.in_({r.department_id for r in resources}))).all())
    on_platform = set(session.scalars(select(Dataset.resource_id).where(
        Dataset.resource_id.in_(ids), or_(Dataset.row_count_estimate > 0, Dataset.last_batch_at.is_not(None)))))
    grants: dict[int, int] = {}
    pending: dict[int, int] = {}
    drafts: dict[int, int] = {}
    if actor.department_id is not None and ids:
        grants = active_grant_counts(session, actor.department_id, ids)
        pending = dict(session.execute(select(ShareRequest.resource_id, func.max(ShareRequest.id)).where(
            ShareRequest.requester_department_id == actor.department_id, ShareRequest.resource_id.in_(ids),
            ShareRequest.status.in_(OPEN_STATUSES)).group_by(ShareRequest.resource_id)).all())
        drafts = dict(session.execute(select(ShareRequest.resource_id, func.max(ShareRequest.id)).where(
            ShareRequest.requester_department_id == actor.department_id, ShareRequest.resource_id.in_(ids),
            ShareRequest.status == "draft").group_by(ShareRequest.resource_id)).all())
    out = []
    for r in resources:
        v = versions[r.published_version_id or 0]
        items = shared_items(v)
        defaults = default_masking(items)
        action, reason = _action(actor, r, v)
        out.append(Shareable(
            code=r.code, name=v.name, summary=v.summary, share_type=v.share_type,  # type: ignore[arg-type]
            share_condition=v.share_condition, share_method=v.share_method, legal_basis=v.legal_basis,
            format=v.format, update_cycle=v.update_cycle, data_level=v.data_level, version_no=v.version_no,
            published_at=v.published_at, provider_department_id=r.department_id,
            provider_department_name=names.get(r.department_id, ""),
            items=[ShareableItem(code=i.field_code, name=i.name, data_type=i.data_type, sensitivity=i.sensitivity,
                                 pii_kind=i.pii_kind, is_key=i.is_key, default_masking=defaults.get(i.field_code),
                                 default_masking_label=RULES.get(defaults.get(i.field_code, "")))
                   for i in items],
            on_platform=r.id in on_platform, action=action, action_reason=reason,  # type: ignore[arg-type]
            my_grants=grants.get(r.id, 0), my_open_request_id=pending.get(r.id), my_draft_id=drafts.get(r.id)))
    return out


def list_shareable(session: Session, actor: Actor, filt: ShareableFilter) -> tuple[list[Shareable], int]:
    """Published catalog entries of every share type, by code, with what the actor may do with each."""
    authorize(actor, policy.list_shareable)
    resources, total = catalog_service.list_resources(session, actor, ResourceFilter(
        q=filt.q, share_type=filt.share_type, department_id=filt.department_id, offset=filt.offset,
        limit=filt.limit))
    return _shareables(session, actor, [r for r in resources if r.published_version_id]), total


def published_entry(session: Session, code: str) -> tuple[Resource, ResourceVersion]:
    """The published entry ``code`` and its published version (404 unless published and not withdrawn);
    for the other sharing services, which authorize themselves."""
    if not re.fullmatch(RESOURCE_CODE_PATTERN, code.strip()):
        raise NotFound("已发布的数据资源", code[:40], "Published resource")
    resource = session.scalar(select(Resource).where(Resource.code == code.strip()))
    version = session.get(ResourceVersion, resource.published_version_id) \
        if resource is not None and resource.published_version_id else None
    if resource is None or version is None or resource.status == "withdrawn" or version.status != "published":
        raise NotFound("已发布的数据资源", code, "Published resource")
    return resource, version


def get_shareable(session: Session, actor: Actor, code: str) -> Shareable:
    authorize(actor, policy.get_shareable)
    resource, _ = published_entry(session, code)
    return _shareables(session, actor, [resource])[0]

"""Grants: what a consumer system may read of a resource (SHR-2, SEC-1, SEC-7).

A grant is issued by ``service.requests`` (a subscription at once; a request once approved, or when the
authority upholds an objection) through ``issue_grant``. The providing department (its manager or reviewer),
the big data center and the e-government authority may suspend, resume and revoke it, each with a reason;
the provider and the big data center may change its terms (``update_grant``, checked as at review by
``sharing.terms``). Every change is audited with before and after. Revoked grants stay revoked; nothing is
deleted. Lists and details carry ``Grant.info`` (``schemas.GrantInfo``: names and the effective status).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, func, not_, select
from sqlalchemy.orm import Session

from govdata.catalog.models import Resource, ResourceVersion
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.db import utcnow
from govdata.core.errors import Conflict, NotFound
from govdata.core.policy import authorize
from govdata.org.models import Department
from govdata.sharing import policy
from govdata.sharing.models import Grant, ShareRequest
from govdata.sharing.models.grants import GRANT_STATUSES
from govdata.sharing.schemas import MAX_ID, GrantFilter, GrantInfo, GrantTerms, ReasonPayload
from govdata.sharing.terms import merge_terms, one_year_after, shared_items, terms_can_change
from govdata.systems.models import BusinessSystem

__all__ = ["attach_grant_info", "get_grant", "issue_grant", "list_grants", "resume_grant", "revoke_grant",
           "suspend_grant", "update_grant"]

TERM_FIELDS = ("items", "row_scope", "masking", "rate_per_minute", "daily_quota", "valid_until")


def today() -> dt.date:
    return utcnow().date()


def issue_grant(session: Session, request: ShareRequest, terms: dict[str, Any], approvers: str) -> Grant:
    """The grant of an approved ``request`` with ``terms`` (``sharing.terms``); the caller audits."""
    grant = Grant(request_id=request.id, kind=request.kind, resource_id=request.resource_id,
                  resource_code=request.resource_code, provider_department_id=request.provider_department_id,
                  consumer_department_id=request.requester_department_id, system_id=request.system_id,
                  items=list(terms["items"]), row_scope=list(terms["row_scope"]), masking=dict(terms["masking"]),
                  purpose=request.purpose, basis=request.basis, access_method=request.access_method,
                  valid_from=request.period_from, valid_until=dt.date.fromisoformat(terms["valid_until"]),
                  rate_per_minute=terms["rate_per_minute"], daily_quota=terms["daily_quota"],
                  approvers=approvers[:400], end_user_id=request.end_user_id,
                  end_user_name=request.end_user_name, status="active")
    session.add(grant)
    session.flush()
    return grant


def attach_grant_info(session: Session, grants: list[Grant]) -> list[Grant]:
    """Set ``grant.info`` (``GrantInfo``) on each grant, in three queries whatever their number."""
    if not grants:
        return grants
    names = names_by_id(session, {g.provider_department_id for g in grants} | {g.consumer_department_id for g in grants},
                   {g.system_id for g in grants}, {g.resource_id for g in grants})
    departments, systems, resources = names
    day = today()
    for g in grants:
        effective = g.effective_status(day)
        g.info = GrantInfo(resource_name=resources.get(g.resource_id, g.resource_code),  # type: ignore[attr-defined]
                           provider_name=departments.get(g.provider_department_id, ""),
                           consumer_name=departments.get(g.consumer_department_id, ""),
                           system_name=systems.get(g.system_id, ""), effective_status=effective,
                           status_label=GRANT_STATUSES.get(effective, effective))
    return grants


def names_by_id(session: Session, department_ids: set[int], system_ids: set[int],
                resource_ids: set[int]) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    """Department, system and resource (published version) names by id; a query per kind asked for."""
    departments = dict(session.execute(select(Department.id, Department.name)
                                       .where(Department.id.in_(department_ids))).all()) if department_ids else {}
    systems = dict(session.execute(select(BusinessSystem.id, BusinessSystem.name)
                                   .where(BusinessSystem.id.in_(system_ids))).all()) if system_ids else {}
    resources = dict(session.execute(select(Resource.id, ResourceVersion.name)
                                     .join(ResourceVersion, ResourceVersion.id == Resource.published_version_id)
                                     .where(Resource.id.in_(resource_ids))).all()) if resource_ids else {}
    return departments, systems, resources


def _effective(status: str) -> Any:
    """A condition on grants whose effective status (``Grant.effective_status``) is ``status``."""
    day = today()
    in_period = and_(Grant.valid_from <= day, Grant.valid_until >= day)
    if status == "active":
        return and_(Grant.status == "active", in_period)
    if status == "expired":
        return and_(Grant.status == "active", not_(in_period))
    return Grant.status == status


def list_grants(session: Session, actor: Actor, filt: GrantFilter) -> tuple[list[Grant], int]:
    """Grants the actor may see, newest first: ``side`` consumed (the actor's department's), provided (of its
    data), all (oversight roles); filtered by effective status, resource code and system."""
    authorize(actor, policy.list_grants, filt)
    query = select(Grant).where(policy.grants_visible_to(actor))
    if filt.side == "consumed":
        query = query.where(Grant.consumer_department_id == actor.department_id)
    elif filt.side == "provided":
        query = query.where(Grant.provider_department_id == actor.department_id)
    if filt.status:
        query = query.where(_effective(filt.status))
    if filt.code:
        query = query.where(Grant.resource_code == filt.code.strip())
    if filt.system_id is not None:
        query = query.where(Grant.system_id == filt.system_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    grants = list(session.scalars(query.order_by(Grant.id.desc()).offset(filt.offset).limit(filt.limit)))
    return attach_grant_info(session, grants), total


def _grant(session: Session, grant_id: int, lock: bool = False) -> Grant:
    grant = session.get(Grant, grant_id, with_for_update=lock) if 0 < grant_id <= MAX_ID else None
    if grant is None:
        raise NotFound("共享授权", grant_id, "Grant")
    return grant


def get_grant(session: Session, actor: Actor, grant_id: int) -> Grant:
    grant = _grant(session, grant_id)
    authorize(actor, policy.get_grant, grant)
    return attach_grant_info(session, [grant])[0]


def _state(grant: Grant) -> dict[str, Any]:
    return {"status": grant.status, "status_reason": grant.status_reason}


def _set_status(session: Session, actor: Actor, grant: Grant, status: str, reason: str, action: str) -> Grant:
    before = _state(grant)
    grant.status, grant.status_reason, grant.status_changed_at = status, reason, utcnow()
    session.flush()
    audit.record_change(session, actor, f"sharing.{action}", before, _state(grant), object_type="grant",
                        object_id=grant.id, department_id=grant.provider_department_id, purpose=reason)
    return attach_grant_info(session, [grant])[0]


def _refuse(detail: str, detail_en: str) -> Conflict:
    return Conflict(detail, detail_en, code="share_grant_state")


def suspend_grant(session: Session, actor: Actor, grant_id: int, payload: ReasonPayload) -> Grant:
    """Stop the use of an active grant for now (reason required); ``resume_grant`` restarts it."""
    grant = _grant(session, grant_id, lock=True)
    authorize(actor, policy.suspend_grant, grant)
    if grant.effective_status(today()) != "active":
        raise _refuse("只有有效期内的授权可以暂停", "Only an active grant can be suspended")
    return _set_status(session, actor, grant, "suspended", payload.reason, "suspend_grant")


def resume_grant(session: Session, actor: Actor, grant_id: int, payload: ReasonPayload) -> Grant:
    grant = _grant(session, grant_id, lock=True)
    authorize(actor, policy.resume_grant, grant)
    if grant.status != "suspended":
        raise _refuse("只有已暂停的授权可以恢复", "Only a suspended grant can be resumed")
    return _set_status(session, actor, grant, "active", payload.reason, "resume_grant")


def revoke_grant(session: Session, actor: Actor, grant_id: int, payload: ReasonPayload) -> Grant:
    """End a grant for good (reason required); a new request is needed to use the data again."""
    grant = _grant(session, grant_id, lock=True)
    authorize(actor, policy.revoke_grant, grant)
    if grant.status == "revoked":
        raise _refuse("该授权已撤销", "The grant is already revoked")
    return _set_status(session, actor, grant, "revoked", payload.reason, "revoke_grant")


def _terms(grant: Grant) -> dict[str, Any]:
    return {"items": list(grant.items), "row_scope": list(grant.row_scope or []), "masking": dict(grant.masking or {}),
            "rate_per_minute": grant.rate_per_minute, "daily_quota": grant.daily_quota,
            "valid_until": grant.valid_until.isoformat()}


def update_grant(session: Session, actor: Actor, grant_id: int, payload: GrantTerms) -> Grant:
    """Change the terms of a grant that is not revoked: items (within those requested), row scope, masking,
    rate, quota, end date (at most a year after its start). Fields left out keep their value."""
    grant = _grant(session, grant_id, lock=True)
    authorize(actor, policy.update_grant, grant)
    if grant.status == "revoked":
        raise _refuse("已撤销的授权不能修改", "A revoked grant cannot change")
    if not terms_can_change(grant.status, grant.valid_until, today()):
        raise _refuse("授权已到期，不能再修改授权条件；如需继续使用，由使用部门重新申请",
                      "The grant has run out; a new request renews it")
    request = session.get(ShareRequest, grant.request_id)
    assert request is not None
    version = session.scalar(select(ResourceVersion).where(ResourceVersion.resource_id == grant.resource_id,
                                                           ResourceVersion.version_no == request.version_no))
    assert version is not None
    allowed = [i for i in shared_items(version) if i.field_code in set(request.items)]
    before = _terms(grant)
    latest = one_year_after(grant.valid_from) - dt.timedelta(days=1)
    after = merge_terms(before, payload, allowed, grant.valid_from, latest)
    grant.items, grant.row_scope, grant.masking = after["items"], after["row_scope"], after["masking"]
    grant.rate_per_minute, grant.daily_quota = after["rate_per_minute"], after["daily_quota"]
    grant.valid_until = dt.date.fromisoformat(after["valid_until"])
    session.flush()
    audit.record_change(session, actor, "sharing.update_grant", before, after, object_type="grant",
                        object_id=grant.id, department_id=grant.provider_department_id,
                        approver=actor.name)
    return attach_grant_info(session, [grant])[0]


def consumer_has_grant(session: Session, system_id: int, resource_id: int) -> Grant | None:
    """A grant of ``system_id`` on ``resource_id`` that is not revoked and not past its end."""
    return session.scalar(select(Grant).where(Grant.system_id == system_id, Grant.resource_id == resource_id,
                                              Grant.status != "revoked", Grant.valid_until >= today())
                          .order_by(Grant.id.desc()))


def active_grant_counts(session: Session, department_id: int, resource_ids: list[int]) -> dict[int, int]:
    """Per resource, the department's grants in effect now."""
    if not resource_ids:
        return {}
    rows = session.execute(select(Grant.resource_id, func.count()).where(
        Grant.consumer_department_id == department_id, Grant.resource_id.in_(resource_ids), _effective("active"))
        .group_by(Grant.resource_id))
    return dict(rows.all())

"""Business-system services: register, review (through the workflow), credentials, revocation."""

from __future__ import annotations

import datetime as dt
import secrets
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.crypto import encrypt_field
from govdata.core.db import settings_of, utcnow
from govdata.core.errors import Conflict, FieldError, NotFound
from govdata.core.policy import authorize
from govdata.org import service as org_service
from govdata.systems import policy
from govdata.systems.models import BusinessSystem, SystemSecret
from govdata.systems.schemas import RevokeRequest, SystemCreate, SystemFilter, SystemUpdate
from govdata.workflow import service as workflow
from govdata.workflow.schemas import Decision

PROCESS = "system_registration"
EXPIRY_WARNING_DAYS = 30
LOCAL = ZoneInfo("Asia/Shanghai")
FIELDS = ("name", "purpose", "owner_name", "owner_phone", "owner_email", "network_zone", "security_grade",
          "assessor", "assessment_report_no", "assessment_date", "assessment_valid_until", "perf_tester",
          "perf_report_no", "perf_test_date", "status", "app_key")
STATE_TO_STATUS = {"pending_review": "pending", "rejected": "rejected", "approved": "approved",
                   "withdrawn": "withdrawn"}


def today() -> dt.date:
    return utcnow().astimezone(LOCAL).date()


def _snapshot(system: BusinessSystem) -> dict[str, object]:
    return {f: getattr(system, f) for f in FIELDS}


def _get(session: Session, system_id: int) -> BusinessSystem:
    system = session.get(BusinessSystem, system_id)
    if system is None:
        raise NotFound("应用系统", system_id, "Business system")
    return system


def list_systems(session: Session, actor: Actor, filt: SystemFilter) -> tuple[list[BusinessSystem], int]:
    authorize(actor, policy.list_systems)
    query = select(BusinessSystem).where(policy.systems_visible_to(actor))
    if filt.department_id:
        query = query.where(BusinessSystem.department_id == filt.department_id)
    if filt.status:
        query = query.where(BusinessSystem.status == filt.status)
    if filt.expiring:
        query = query.where(BusinessSystem.assessment_valid_until <= today() + dt.timedelta(days=EXPIRY_WARNING_DAYS),
                            BusinessSystem.status.in_(("approved", "pending")))
    if filt.q:
        query = query.where(or_(BusinessSystem.name.contains(filt.q, autoescape=True),  # % and _ are text
                                BusinessSystem.app_key.contains(filt.q, autoescape=True)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(BusinessSystem.assessment_valid_until, BusinessSystem.id)
                           .offset(filt.offset).limit(filt.limit))
    return list(rows), total


def get_system(session: Session, actor: Actor, system_id: int) -> BusinessSystem:
    system = _get(session, system_id)
    authorize(actor, policy.get_system, system)
    return system


def _check_unique(session: Session, department_id: int, name: str, exclude: int | None = None) -> None:
    query = select(BusinessSystem.id).where(BusinessSystem.department_id == department_id,
                                            BusinessSystem.name == name)
    if exclude is not None:
        query = query.where(BusinessSystem.id != exclude)
    if session.scalar(query) is not None:
        raise Conflict(f"本部门已登记同名系统：{name}", code="duplicate",
                       errors=[FieldError("name", "duplicate", "本部门已登记同名系统")])


def register_system(session: Session, actor: Actor, payload: SystemCreate) -> BusinessSystem:
    """Register a system for review by the big data center (a work item with its legal deadline)."""
    department_id = payload.department_id or actor.department_id
    authorize(actor, policy.register_system, department_id)
    assert department_id is not None
    department = org_service.get_department(session, actor, department_id)
    _check_unique(session, department.id, payload.name)
    system = BusinessSystem(department_id=department.id, status="pending",
                            **payload.model_dump(exclude={"department_id"}))
    session.add(system)
    session.flush()
    workflow.start(session, actor, PROCESS, "business_system", system.id, f"{department.name} · {system.name}",
                   department.id)
    audit.record(session, actor, "systems.register_system", object_type="business_system", object_id=system.id,
                 department_id=department.id, detail={"after": _snapshot(system)})
    return system


def update_system(session: Session, actor: Actor, system_id: int, payload: SystemUpdate) -> BusinessSystem:
    """Correct a registration, or renew its security records; a revoked or withdrawn one is closed."""
    system = _get(session, system_id)
    authorize(actor, policy.update_system, system)
    if system.status in ("revoked", "withdrawn"):
        raise Conflict("该系统已吊销或撤回，不能修改", "The system is revoked or withdrawn")
    _check_unique(session, system.department_id, payload.name, exclude=system.id)
    before = _snapshot(system)
    for key, value in payload.model_dump().items():
        setattr(system, key, value)
    session.flush()
    audit.record_change(session, actor, "systems.update_system", before, _snapshot(system),
                        object_type="business_system", object_id=system.id, department_id=system.department_id)
    return system


def decide_system(session: Session, actor: Actor, system_id: int, decision: Decision) -> BusinessSystem:
    """Take a step of the registration's review; approval issues the AppKey and a first secret."""
    system = _get(session, system_id)
    authorize(actor, policy.decide_system, system)
    item = workflow.item_for(session, "business_system", system.id)
    if item is None:
        raise NotFound("审批事项", system_id, "Work item")
    item = workflow.advance(session, actor, item.id, decision.transition, decision.reason)
    before = system.status
    system.status = STATE_TO_STATUS[item.state]
    if system.status == "approved":
        system.approved_at = utcnow()
        system.approved_by = actor.name
        system.app_key = "ak" + secrets.token_hex(10)
        _new_secret(session, actor, system)
    session.flush()
    audit.record(session, actor, f"systems.decide_system.{decision.transition}", object_type="business_system",
                 object_id=system.id, department_id=system.department_id, purpose=decision.reason,
                 detail={"before": {"status": before}, "after": {"status": system.status, "app_key": system.app_key}})
    return system


def _new_secret(session: Session, actor: Actor, system: BusinessSystem) -> tuple[SystemSecret, str]:
    raw = "sk_" + secrets.token_urlsafe(32)
    secret = SystemSecret(system_id=system.id, secret_enc="", created_by=actor.name)
    session.add(secret)
    session.flush()
    secret.secret_enc = encrypt_field(settings_of(session).resolved_secret_key, raw, f"system_secret:{secret.id}")
    return secret, raw


def _current_secret(session: Session, system: BusinessSystem) -> SystemSecret | None:
    return session.scalar(select(SystemSecret).where(SystemSecret.system_id == system.id,
                                                     SystemSecret.grace_until.is_(None),
                                                     SystemSecret.retired_at.is_(None))
                          .order_by(SystemSecret.id.desc()))


def secret_waiting(session: Session, system: BusinessSystem) -> bool:
    """Whether the current secret has not been shown yet (for the page, after ``get_system`` authorized)."""
    secret = _current_secret(session, system)
    return secret is not None and secret.revealed_at is None


def reveal_secret(session: Session, actor: Actor, system_id: int) -> tuple[BusinessSystem, str]:
    """Show the approved system's secret to its department's manager, once."""
    from govdata.core.crypto import decrypt_field

    system = _get(session, system_id)
    authorize(actor, policy.reveal_secret, system)
    if system.status != "approved":
        raise Conflict("系统尚未通过审核，没有凭据", "The system is not approved; it has no credentials")
    secret = _current_secret(session, system)
    if secret is None or secret.revealed_at is not None:
        raise Conflict("密钥已显示过一次，不能再次查看；如已遗失请轮换密钥",
                       "The secret was already shown once; rotate it to get a new one")
    claimed = session.execute(update(SystemSecret).where(SystemSecret.id == secret.id,
                                                         SystemSecret.revealed_at.is_(None))
                              .values(revealed_at=utcnow(), revealed_to=actor.name))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("密钥已显示过一次", "The secret was already shown once")
    raw = decrypt_field(settings_of(session).resolved_secret_key, secret.secret_enc, f"system_secret:{secret.id}")
    audit.record(session, actor, "systems.reveal_secret", object_type="business_system", object_id=system.id,
                 department_id=system.department_id, medium="screen", detail={"secret_id": secret.id})
    return system, raw


def rotate_secret(session: Session, actor: Actor, system_id: int) -> tuple[BusinessSystem, str, dt.datetime | None]:
    """Issue a new secret (shown now, once); the previous one keeps working for the configured grace
    period (GOVDATA_SECRET_GRACE_HOURS)."""
    system = _get(session, system_id)
    authorize(actor, policy.rotate_secret, system)
    if system.status != "approved":
        raise Conflict("只有已接入的系统可以轮换密钥", "Only approved systems have secrets to rotate")
    now = utcnow()
    previous = _current_secret(session, system)
    grace_hours = settings_of(session).secret_grace_hours
    grace_until = now + dt.timedelta(hours=grace_hours) if previous else None
    if previous is not None:
        previous.grace_until = grace_until
    # secrets older than the previous one stop at once
    session.execute(update(SystemSecret).where(SystemSecret.system_id == system.id, SystemSecret.retired_at.is_(None),
                                               SystemSecret.grace_until.is_not(None),
                                               SystemSecret.id != (previous.id if previous else -1))
                    .values(retired_at=now))
    secret, raw = _new_secret(session, actor, system)
    secret.revealed_at, secret.revealed_to = now, actor.name
    session.flush()
    audit.record(session, actor, "systems.rotate_secret", object_type="business_system", object_id=system.id,
                 department_id=system.department_id, medium="screen",
                 detail={"new_secret_id": secret.id, "previous_secret_id": previous.id if previous else None,
                         "previous_valid_until": grace_until})
    return system, raw, grace_until


def revoke_system(session: Session, actor: Actor, system_id: int, payload: RevokeRequest) -> BusinessSystem:
    system = _get(session, system_id)
    authorize(actor, policy.revoke_system, system)
    if system.status == "revoked":
        raise Conflict("该系统已吊销", "Already revoked")
    if system.status != "approved":
        raise Conflict("只有已接入的系统可以吊销；审核中的登记请撤回", "Only approved systems can be revoked")
    now = utcnow()
    system.status, system.revoked_at, system.revoked_reason = "revoked", now, payload.reason
    session.execute(update(SystemSecret).where(SystemSecret.system_id == system.id, SystemSecret.retired_at.is_(None))
                    .values(retired_at=now))
    session.flush()
    audit.record(session, actor, "systems.revoke_system", object_type="business_system", object_id=system.id,
                 department_id=system.department_id, purpose=payload.reason,
                 detail={"before": {"status": "approved"}, "after": {"status": "revoked"}})
    return system


def assessment_days_left(system: BusinessSystem) -> int:
    return (system.assessment_valid_until - today()).days

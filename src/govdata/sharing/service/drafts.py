"""Drafts of share requests by a department's staff (SHR-2, SHR-4, SEC-1).

A data user (数据使用人员) who finds a resource their work needs cannot apply: applications are the data
manager's. ``draft_request`` writes the application as a draft (status ``draft``) and opens a
``share_draft`` work item that waits in the inbox of the department's data managers. The drafter is on
record as the end user (``end_user_id`` / ``end_user_name``), the person the data is for, and stays so on
the grant. Then:

- ``update_draft``: the drafter or a data manager changes it while it waits;
- ``submit_draft``: a data manager submits it (with changes, if any): it becomes the manager's application
  — a subscription granted at once (无条件共享) or a request that starts the provider's review (有条件共享),
  checked again against the entry as published now;
- ``decline_draft``: a data manager returns it with a reason for the drafter (``declined``);
- ``service.requests.withdraw_request``: the drafter withdraws it (``draft_withdrawn``).

Drafts are the requesting department's own: the provider sees a request only once it is submitted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.policy import authorize
from govdata.sharing import policy
from govdata.sharing.models import ShareRequest
from govdata.sharing.schemas import DraftCreate, DraftUpdate, ReasonPayload
from govdata.sharing.service.grants import today
from govdata.sharing.service.requests import (
    _checked,
    _grant_subscription,
    _kind_of,
    _new_request,
    _request,
    _start_review,
    _state_conflict,
    attach_request_info,
)
from govdata.sharing.service.shareable import published_entry
from govdata.workflow import service as workflow

__all__ = ["decline_draft", "draft_request", "submit_draft", "update_draft"]

SHARE_DRAFT = "share_draft"
#: the fields of an application a draft keeps, as the audit's before/after shows them
FIELDS = ("kind", "system_id", "items", "purpose", "basis", "access_method", "period_from", "period_to",
          "version_no")


def _snapshot(request: ShareRequest) -> dict[str, Any]:
    return {f: getattr(request, f) for f in FIELDS}


def _changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in FIELDS if before[k] != after[k]]
    return {k: before[k] for k in keys}, {k: after[k] for k in keys}


def draft_request(session: Session, actor: Actor, payload: DraftCreate) -> ShareRequest:
    """Draft an application for an approved system of the actor's department; it waits for the
    department's data manager (the inbox), with the actor as its end user."""
    request, resource, version, system = _new_request(session, actor, payload, None, policy.draft_request,
                                                      status="draft")
    request.end_user_id, request.end_user_name = actor.user_id, actor.label
    item = workflow.start(session, actor, SHARE_DRAFT, "share_request", request.id,
                          f"共享申请草稿（{actor.label}起草）：{version.name}"[:200],
                          owner_department_id=request.requester_department_id)
    request.draft_item_id = item.id
    session.flush()
    audit.record(session, actor, "sharing.draft_request", object_type="share_request", object_id=request.id,
                 department_id=request.requester_department_id, purpose=request.purpose,
                 data_content={"resource": resource.code, "items": request.items},
                 detail={"before": None, "after": {"status": "draft", **_snapshot(request)},
                         "end_user": request.end_user_name, "work_item": item.id})
    return attach_request_info(session, [request])[0]


def _draft(session: Session, actor: Actor, request_id: int, rule: Any, what: str) -> ShareRequest:
    request = _request(session, request_id, lock=True)
    authorize(actor, rule, request)
    if request.status != "draft" or request.draft_item_id is None:
        raise _state_conflict(request, what)
    return request


def _apply(session: Session, actor: Actor, request: ShareRequest, changes: DraftUpdate | None) -> tuple[Any, Any]:
    """Apply ``changes`` and check the whole application again against the entry as published now (its
    share type, items and the system's other applications may have changed since it was drafted). A first
    day of use that has passed while the draft waited becomes today."""
    resource, version = published_entry(session, request.resource_code)
    given = changes.model_dump(exclude_unset=True) if changes is not None else {}
    values = {f: given[f] if given.get(f) is not None else getattr(request, f)
              for f in ("system_id", "items", "purpose", "basis", "access_method", "period_from", "period_to")}
    if given.get("period_from") is None and values["period_from"] < today():
        values["period_from"] = None  # a draft that waited: its use starts today
    kind = _kind_of(version)
    system, items, period_from, period_to = _checked(
        session, actor, resource, version, kind, values["system_id"], values["items"], values["period_from"],
        values["period_to"], exclude=request.id)
    request.kind, request.version_no, request.system_id, request.items = kind, version.version_no, system.id, items
    request.purpose, request.basis, request.access_method = values["purpose"], values["basis"], values["access_method"]
    request.period_from, request.period_to = period_from, period_to
    return resource, version


def update_draft(session: Session, actor: Actor, request_id: int, payload: DraftUpdate) -> ShareRequest:
    """Change a draft that waits for submission (its drafter or a data manager of the department)."""
    request = _draft(session, actor, request_id, policy.update_draft, "修改")
    before = _snapshot(request)
    _apply(session, actor, request, payload)
    session.flush()
    old, new = _changed(before, _snapshot(request))
    audit.record(session, actor, "sharing.update_draft", object_type="share_request", object_id=request.id,
                 department_id=request.requester_department_id, purpose=request.purpose,
                 detail={"before": old, "after": new, "end_user": request.end_user_name})
    return attach_request_info(session, [request])[0]


def submit_draft(session: Session, actor: Actor, request_id: int, payload: DraftUpdate | None = None
                 ) -> ShareRequest:
    """The data manager submits a draft (with ``payload``'s changes): a 无条件共享 entry is granted at once,
    a 有条件共享 one goes to the provider's review. The manager is the applicant from now on; the drafter
    stays the end user, on the grant too."""
    request = _draft(session, actor, request_id, policy.submit_draft, "提交")
    before = _snapshot(request)
    resource, version = _apply(session, actor, request, payload)
    assert request.draft_item_id is not None
    workflow.advance(session, actor, request.draft_item_id, "submit")
    drafter = request.requested_by
    request.requested_by, request.requested_by_user_id = actor.name, actor.user_id
    after: dict[str, Any] = {}
    grant = None
    if request.kind == "unconditional":
        grant = _grant_subscription(session, request, version)
        after = {"grant_id": grant.id, "masking": grant.masking}
    else:
        after = _start_review(session, actor, request, resource, version)
    session.flush()
    old, new = _changed(before, _snapshot(request))
    audit.record(session, actor, "sharing.submit_draft", object_type="share_request", object_id=request.id,
                 department_id=request.requester_department_id, purpose=request.purpose,
                 approver=grant.approvers if grant is not None else None,
                 data_content={"resource": resource.code, "items": request.items},
                 detail={"before": {"status": "draft", **old}, "after": {"status": request.status, **new},
                         "drafted_by": drafter, "end_user": request.end_user_name, "system_id": request.system_id,
                         "basis": request.basis, "access_method": request.access_method,
                         "period": [request.period_from, request.period_to], **after})
    return attach_request_info(session, [request])[0]


def decline_draft(session: Session, actor: Actor, request_id: int, payload: ReasonPayload) -> ShareRequest:
    """The data manager returns a draft to its drafter, with the reason; it is not submitted."""
    request = _draft(session, actor, request_id, policy.decline_draft, "退回")
    assert request.draft_item_id is not None
    workflow.advance(session, actor, request.draft_item_id, "decline", payload.reason)
    request.status, request.refusal_reason = "declined", payload.reason
    session.flush()
    audit.record(session, actor, "sharing.decline_draft", object_type="share_request", object_id=request.id,
                 department_id=request.requester_department_id, purpose=payload.reason,
                 detail={"before": {"status": "draft"}, "after": {"status": "declined"},
                         "end_user": request.end_user_name})
    return attach_request_info(session, [request])[0]

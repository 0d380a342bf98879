"""HTML pages of grants (SHR-2, SEC-1, SEC-7): ``/sharing/grants`` (a department's grants, consumed or
provided; everything for the oversight roles) and ``/sharing/grants/{id}`` (terms, status, suspension,
resumption, revocation with a reason, the change of terms, and the link to its usage). Each calls the same
service function as its JSON twin in ``api.grants``.

Also the shape of the terms form shared with the request page (``terms_from_form``, ``terms_form_context``):
items as checkboxes, a masking rule per item, up to a few row-scope conditions, rate, quota and end date.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from govdata.core.actor import Actor
from govdata.core.db import utcnow
from govdata.core.errors import DomainError, NotFound
from govdata.core.policy import allowed
from govdata.sharing import policy, service
from govdata.sharing.filters import OPS
from govdata.sharing.masking import RULES, rule_fits
from govdata.sharing.models.grants import GRANT_STATUSES
from govdata.sharing.models.requests import ACCESS_METHODS, KINDS
from govdata.sharing.schemas import GrantFilter, GrantTerms, ReasonPayload, ShareableItem
from govdata.sharing.terms import DEFAULT_DAILY_QUOTA, DEFAULT_RATE_PER_MINUTE, terms_can_change
from govdata.web.edge import invalid_from_pydantic
from govdata.web.forms import form_errors, page, read_form
from govdata.web.render import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
SCOPE_ROWS = 3  # blank condition rows offered beyond the existing ones
SCOPE_KEY = re.compile(r"^scope\.(\d{1,2})\.(item|op|value)$")
SIDES = {"": "全部可见授权", "consumed": "本部门使用的", "provided": "本部门提供的"}
STATUS_BADGES = {"active": "success", "suspended": "warning", "revoked": "danger", "expired": "secondary"}
ACTIONS = {"suspend": ("suspend_grant", "暂停"), "resume": ("resume_grant", "恢复"), "revoke": ("revoke_grant", "撤销")}
SAVED = {"subscribed": "已订阅，授权立即生效，订阅已记入审计日志。", "suspend": "授权已暂停。", "resume": "授权已恢复。",
         "revoke": "授权已撤销。", "terms": "授权条件已修改，修改前后内容已记入审计日志。"}
LABELS = {"grant_statuses": GRANT_STATUSES, "status_badges": STATUS_BADGES, "methods": ACCESS_METHODS,
          "kinds": KINDS, "rules": RULES, "ops": OPS, "sharing_policy": policy}


# --- the terms form, shared with the request page ---------------------------------------------------------

def terms_from_form(data: dict[str, Any]) -> dict[str, Any]:
    """The posted terms form as a ``GrantTerms`` payload. Masking rules of unticked items are dropped; a
    scope row counts when its value is filled in; rate, quota and end date left blank keep their value."""
    items: list[str] = list(data.get("items", []))
    masking = {key[8:]: str(rule) for key, rule in data.items()
               if key.startswith("masking.") and key[8:] in items and rule}
    rows: dict[int, dict[str, str]] = {}
    for key, value in data.items():
        match = SCOPE_KEY.match(key)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = str(value)
    scope = [{"item": r.get("item", ""), "op": r.get("op", "eq"), "value": r["value"]}
             for _, r in sorted(rows.items()) if r.get("value")]
    terms: dict[str, Any] = {"items": items, "masking": masking, "row_scope": scope}
    for name in ("rate_per_minute", "daily_quota", "valid_until"):
        if data.get(name):
            terms[name] = data[name]
    return terms


def _shown_value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join("" if v is None else str(v) for v in value)
    return "" if value is None else str(value)


def terms_form_context(items: list[ShareableItem], allowed: list[str], terms: dict[str, Any],
                       posted: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the terms form shows: the items it may cover (``allowed``, in catalog order) with the rules that
    fit each, and the values — those posted again after an error, else ``terms``."""
    by_code = {i.code: i for i in items}
    rows = [{"code": c, "name": by_code[c].name if c in by_code else c,
             "data_type": by_code[c].data_type if c in by_code else "",
             "pii_kind": by_code[c].pii_kind if c in by_code else None,
             "rules": [r for r in RULES if c in by_code and rule_fits(r, by_code[c].data_type)]} for c in allowed]
    if posted is not None:
        values = terms_from_form(posted)
        values.setdefault("rate_per_minute", posted.get("rate_per_minute", ""))
        values.setdefault("daily_quota", posted.get("daily_quota", ""))
        values.setdefault("valid_until", posted.get("valid_until", ""))
    else:
        values = dict(terms)
    scope = [{"item": c.get("item"), "op": c.get("op"), "value": _shown_value(c.get("value"))}
             for c in values.get("row_scope") or []]
    scope += [{"item": "", "op": "eq", "value": ""}] * SCOPE_ROWS
    return {"term_items": rows, "term_values": values, "term_scope": scope}


def default_terms_of(items: list[ShareableItem], wanted: list[str], valid_until: Any) -> dict[str, Any]:
    """The terms a grant gets when nobody sets any: the wanted items with their default masking."""
    return {"items": list(wanted), "row_scope": [], "rate_per_minute": DEFAULT_RATE_PER_MINUTE,
            "daily_quota": DEFAULT_DAILY_QUOTA, "valid_until": str(valid_until),
            "masking": {i.code: i.default_masking for i in items if i.code in wanted and i.default_masking}}


def terms_errors(request: Request, exc: DomainError) -> dict[str, Any]:
    """``form_errors`` with field names as the terms form knows them (``terms.items`` → ``items``)."""
    context = form_errors(request, exc)
    context["field_errors"] = {k.removeprefix("terms."): v for k, v in context["field_errors"].items()}
    return context


def item_names(session: Session, actor: Actor, code: str) -> list[ShareableItem]:
    """The shared items of a published entry (names, data types, default masking); none once withdrawn."""
    try:
        return service.get_shareable(session, actor, code).items
    except NotFound:
        return []


# --- the list of grants -----------------------------------------------------------------------------------

@router.get("/sharing/grants")
def grants_page(request: Request) -> Response:
    params = {k: v.strip() for k, v in request.query_params.items() if k in GrantFilter.model_fields and v.strip()}
    errors: dict[str, Any] = {}
    try:
        filt = GrantFilter.model_validate({"limit": PAGE_SIZE, **params})
    except ValidationError as exc:
        errors = form_errors(request, invalid_from_pydantic(exc))
        filt, params = GrantFilter(limit=PAGE_SIZE), {}
    with page(request) as (session, actor):
        grants, total = service.list_grants(session, actor, filt)
        sides = {k: v for k, v in SIDES.items() if not k or actor.department_id is not None}
        return render(request, "sharing/grants.html", actor, status_code=422 if errors else 200, grants=grants,
                      total=total, filt=filt, params=params, sides=sides, page_size=PAGE_SIZE, **LABELS, **errors)


# --- one grant --------------------------------------------------------------------------------------------

def _open_actions(actor: Actor, grant: Any) -> dict[str, str]:
    """The status changes this actor may make now: {action: label}."""
    effective = grant.info.effective_status
    possible = {"suspend": effective == "active", "resume": grant.status == "suspended",
                "revoke": grant.status != "revoked"}
    return {key: label for key, (rule, label) in ACTIONS.items()
            if possible[key] and allowed(actor, getattr(policy, rule), grant)}


def _grant_page(request: Request, grant_id: int, status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        grant = service.get_grant(session, actor, grant_id)
        share_request = service.get_request(session, actor, grant.request_id).request
        items = item_names(session, actor, grant.resource_code)
        names = {i.code: i.name for i in items}
        context: dict[str, Any] = {}
        may_edit = allowed(actor, policy.update_grant, grant)
        open_terms = terms_can_change(grant.status, grant.valid_until, utcnow().date())
        if open_terms and may_edit:
            current = {"items": grant.items, "row_scope": grant.row_scope, "masking": grant.masking,
                       "rate_per_minute": grant.rate_per_minute, "daily_quota": grant.daily_quota,
                       "valid_until": grant.valid_until.isoformat()}
            context = terms_form_context(items, share_request.items, current, extra.pop("terms_form", None))
        return render(request, "sharing/grant.html", actor, status_code=status_code, g=grant, req=share_request,
                      names=names, can_edit=bool(context), terms_closed=may_edit and not open_terms,
                      saved=SAVED.get(request.query_params.get("saved", "")),
                      actions=_open_actions(actor, grant),
                      **LABELS, **context, **extra)


@router.get("/sharing/grants/{grant_id}")
def grant_page(request: Request, grant_id: int) -> Response:
    return _grant_page(request, grant_id)


@router.post("/sharing/grants/{grant_id}/terms")
async def update_grant_form(request: Request, grant_id: int) -> Response:
    data = await read_form(request, lists=("items",))
    try:
        with page(request) as (session, actor):
            service.update_grant(session, actor, grant_id, GrantTerms.model_validate(terms_from_form(data)))
    except DomainError as exc:
        return _grant_page(request, grant_id, status_code=exc.status or 400, terms_form=data, failed="terms",
                           **terms_errors(request, exc))
    return RedirectResponse(f"/sharing/grants/{grant_id}?saved=terms", status_code=303)


@router.post("/sharing/grants/{grant_id}/{action}")
async def grant_status_form(request: Request, grant_id: int, action: str) -> Response:
    """Suspend, resume or revoke, each with a reason."""
    if action not in ACTIONS:
        raise NotFound("操作", action, "Action")
    data = await read_form(request)
    fn = getattr(service, ACTIONS[action][0])
    try:
        with page(request) as (session, actor):
            fn(session, actor, grant_id, ReasonPayload.model_validate({"reason": data.get("reason", "")}))
    except DomainError as exc:
        return _grant_page(request, grant_id, status_code=exc.status or 400, status_form=data, failed=action,
                           **form_errors(request, exc))
    return RedirectResponse(f"/sharing/grants/{grant_id}?saved={action}", status_code=303)

"""HTML pages of the catalog (CAT-1/2/4/5): search with facets and the classification tree, the entry form with
its information items, the entry with its review card and version history, and the comparison of versions."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from govdata.catalog import policy, service, standard
from govdata.catalog.models import RESOURCE_STATUSES, VERSION_STATUSES, Resource, ResourceVersion
from govdata.catalog.schemas import ResourceCreate, ResourceDraft, ResourceFilter, ReviewDecision, WithdrawalRequest
from govdata.core.actor import Actor
from govdata.core.errors import DomainError, Forbidden, NotFound
from govdata.core.policy import allowed, authorize
from govdata.org import service as org_service
from govdata.org.schemas import DepartmentFilter
from govdata.web.edge import invalid_from_pydantic
from govdata.web.forms import form_errors, page, read_form
from govdata.web.render import menu_entry, render
from govdata.workflow import policy as workflow_policy
from govdata.workflow import service as workflow

router = APIRouter(include_in_schema=False)
menu_entry(30, "数据目录", "/catalog", lambda actor: allowed(actor, policy.list_resources))

PAGE_SIZE = 20
FIELD_LABELS = {
    "name": "资源名称", "classification_code": "资源分类", "summary": "资源摘要", "format": "资源格式",
    "share_type": "共享类型", "share_condition": "共享条件", "share_method": "共享方式",
    "legal_basis": "共享限制的依据", "open_to_public": "向社会开放", "open_condition": "开放条件",
    "update_cycle": "更新周期", "release_date": "发布日期", "related_codes": "关联资源代码",
    "data_level": "数据分级", "secret_declared": "涉密声明", "keywords": "关键词",
}
ITEM_LABELS = {
    "name": "名称", "field_code": "字段编码", "data_type": "数据类型", "length": "长度", "required": "必填",
    "is_key": "主键", "sensitivity": "敏感级别", "pii_kind": "个人信息类型", "shared": "共享", "description": "说明",
}
STEP_LABELS = {
    service.REVIEW: {"start": "提交审核", "pass": "保密审查通过", "approve": "审核通过并发布", "reject": "退回",
                     "resubmit": "修改后重新提交", "abandon": "放弃本次变更"},
    service.WITHDRAWAL: {"start": "申请撤销", "approve": "同意撤销", "reject": "不同意撤销"},
}
SAVED = {
    "created": "目录已登记为草稿，请核对后提交审核。",
    "updated": "已保存，变更已记入版本和审计日志。",
    "submitted": "已提交审核，待本部门保密审查。",
    "pass": "保密审查已通过，已转大数据中心审核。",
    "approve": "已审核通过并发布。",
    "reject": "已退回。",
    "resubmit": "已重新提交审核。",
    "abandon": "已放弃本次变更。",
    "withdrawal": "撤销申请已提交，待大数据中心审批。",
    "withdrawal_approve": "已同意撤销，该目录不再对外发布。",
    "withdrawal_reject": "已驳回撤销申请。",
}
# Form field names of an entry that are posted as plain text.
TEXT_FIELDS = ("name", "classification_code", "summary", "format", "share_type", "share_condition", "share_method",
               "legal_basis", "open_condition", "update_cycle", "release_date", "data_level", "keywords",
               "change_reason")
BOOL_FIELDS = ("open_to_public", "secret_declared")
ITEM_BOOLS = ("required", "is_key", "shared")
ITEM_KEY = re.compile(r"^items\.(\d{1,4})\.([a-z_]+)$")
CODE_SEPARATORS = re.compile(r"[\s,，、;；]+")


# --- the form's shape <-> the schema's ------------------------------------------------------------------

def parse_entry(data: dict[str, str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The posted entry form as a payload for ``ResourceDraft``, and its item rows as the user typed them.

    Item fields are posted as ``items.N.field``; rows keep their order, gaps left by removed rows close up,
    and rows left entirely blank are ignored. Errors name the rows by their position in the returned list,
    which is the order the form is shown again in.
    """
    posted: dict[int, dict[str, str]] = {}
    for key, value in data.items():
        match = ITEM_KEY.match(key)
        if match and match.group(2) in ITEM_LABELS:
            posted.setdefault(int(match.group(1)), {})[match.group(2)] = value
    rows: list[dict[str, Any]] = []
    for n in sorted(posted):
        raw = posted[n]
        if not any(raw.get(f) for f in ("name", "field_code", "length", "description")):
            continue
        rows.append({f: raw.get(f) == "true" if f in ITEM_BOOLS else raw.get(f) for f in ITEM_LABELS})
    payload: dict[str, Any] = {f: data[f] for f in TEXT_FIELDS if f in data}
    payload.update({f: data.get(f) == "true" for f in BOOL_FIELDS})
    payload["related_codes"] = [c for c in CODE_SEPARATORS.split(data.get("related_codes", "")) if c]
    payload["items"] = [{k: v for k, v in row.items() if v is not None} for row in rows]
    return payload, rows


def entry_errors(request: Request, exc: DomainError) -> dict[str, Any]:
    """``form_errors`` with the alert naming each field as the form labels it (第2项信息项“字段编码”：…)."""
    context = form_errors(request, exc)
    if exc.errors:
        parts = []
        for e in exc.errors:
            match = ITEM_KEY.match(e.field)
            if match:
                label = f"第{int(match.group(1)) + 1}项信息项“{ITEM_LABELS.get(match.group(2), match.group(2))}”"
            else:
                label = FIELD_LABELS.get(e.field) or {"items": "信息项", "department_id": "提供部门",
                                                      "change_reason": "变更原因", "reason": "原因"}.get(e.field, e.field)
            parts.append(f"{label}：{e.message}")
        context["error"] = exc.title("zh") + "。" + "；".join(dict.fromkeys(parts))
    return context


def form_values(v: ResourceVersion) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A version's content in the form's shape, to start an edit from. The change reason is kept while the
    version is still being worked on; a published version's reason belongs to that version."""
    values: dict[str, Any] = {f: getattr(v, f) for f in TEXT_FIELDS if f != "classification_code"}
    if v.status not in ("draft", "returned"):
        values.pop("change_reason")
    values = {k: ("" if value is None else str(value)) for k, value in values.items()}
    values["classification_code"] = v.classification.code
    values.update({f: "true" for f in BOOL_FIELDS if getattr(v, f)})
    values["related_codes"] = ", ".join(v.related_codes or [])
    rows = [{f: getattr(i, f) for f in ITEM_LABELS} for i in v.items]
    return values, rows


# --- showing a version ---------------------------------------------------------------------------------

def shown(field: str, value: Any) -> str:
    """A field value as the pages show it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field == "data_type":
        return standard.DATA_TYPES.get(value, (value,))[0]
    if isinstance(value, list):
        return "、".join(str(x) for x in value)
    return str(value)


def _content(v: ResourceVersion | None) -> dict[str, Any]:
    if v is None:
        return {}
    data = service.snapshot(v)
    data["classification_code"] = f"{v.classification.code} {v.classification.name}"
    return data


def compare(old: ResourceVersion | None, new: ResourceVersion) -> dict[str, Any]:
    """Field by field and item by item (matched on the field code): what changed from ``old`` to ``new``."""
    before, after = _content(old), _content(new)
    fields = [{"label": label, "old": shown(f, before.get(f)) if old else "", "new": shown(f, after.get(f)),
               "changed": old is not None and before.get(f) != after.get(f)} for f, label in FIELD_LABELS.items()]
    old_items = {i["field_code"]: i for i in before.get("items", [])}
    new_items = {i["field_code"]: i for i in after["items"]}
    items = []
    for code, item in new_items.items():
        previous = old_items.get(code)
        changed = {f for f in ITEM_LABELS if previous is not None and previous[f] != item[f]}
        status = "added" if previous is None and old is not None else ("changed" if changed else "same")
        items.append({"status": status, "old": {f: shown(f, previous[f]) for f in ITEM_LABELS} if previous else None,
                      "new": {f: shown(f, item[f]) for f in ITEM_LABELS}, "changed": changed})
    for code, item in old_items.items():
        if code not in new_items:
            items.append({"status": "removed", "old": {f: shown(f, item[f]) for f in ITEM_LABELS}, "new": None,
                          "changed": set()})
    return {"fields": fields, "items": items,
            "changed_count": sum(f["changed"] for f in fields) + sum(i["status"] != "same" for i in items)}


def _common(actor: Actor) -> dict[str, Any]:
    """What every catalog template uses: code lists, labels and the catalog's rules."""
    return {"std": standard, "catalog_policy": policy, "resource_statuses": RESOURCE_STATUSES,
            "version_statuses": VERSION_STATUSES, "field_labels": FIELD_LABELS, "item_labels": ITEM_LABELS,
            "shown": shown, "can_create": allowed(actor, policy.create_resource, actor.department_id)}


# --- the catalog: search, facets, classification tree -----------------------------------------------------

def _link(params: dict[str, str], **changes: Any) -> str:
    """The catalog URL with ``params`` changed; any change of filter goes back to the first page."""
    merged = {k: v for k, v in params.items() if k not in ("offset", "limit")}
    if "offset" in changes:
        merged["offset"] = changes.pop("offset")
    for key, value in changes.items():
        merged.pop(key, None)
        if value not in (None, ""):
            merged[key] = value
    query = urlencode({k: v for k, v in merged.items() if v not in (None, "", 0, "0")})
    return "/catalog" + (f"?{query}" if query else "")


@router.get("/catalog")
def catalog_page(request: Request) -> Response:
    params = {k: v for k, v in request.query_params.items() if v != "" and k in ResourceFilter.model_fields}
    errors: dict[str, Any] = {}
    try:
        filt = ResourceFilter.model_validate({"limit": PAGE_SIZE, **params})
    except ValidationError as exc:
        errors = form_errors(request, invalid_from_pydantic(exc))
        filt = ResourceFilter(mine=params.get("mine") == "true", limit=PAGE_SIZE)
    # htmx swaps the results part in; a history restore after a cache miss asks for the whole page
    partial = bool(request.headers.get("hx-request")) and not request.headers.get("hx-history-restore-request")
    with page(request) as (session, actor):
        resources, total = service.list_resources(session, actor, filt)
        rows = [(r, _shown_version(session, actor, r, filt.mine)) for r in resources]
        tree = service.classification_tree(session, actor)
        return render(request, "catalog/_results.html" if partial else "catalog/list.html", actor,
                      status_code=422 if errors and not partial else 200, rows=rows, total=total,
                      filt=filt, params=params, link=lambda **c: _link(params, **c), tree=tree,
                      options=_filter_options(session, actor, filt, params, tree),
                      export_query=_export_query(actor, filt),
                      **_common(actor), **errors)


def _export_query(actor: Actor, filt: ResourceFilter) -> str:
    """The export takes a department and a status (catalog/excel_routes.py): the one chosen, or the own
    department on its tab."""
    department_id = filt.department_id or (actor.department_id if filt.mine else None)
    return urlencode({k: v for k, v in {"department_id": department_id, "status": filt.status}.items() if v})


def _shown_version(session: Session, actor: Actor, resource: Resource, mine: bool) -> ResourceVersion | None:
    """What a result row shows: the department's working copy on its own tab, else the published version."""
    draft = service.draft_for(session, actor, resource) if mine else None
    return draft or service.version(session, resource.published_version_id)


OPEN_OPTIONS = (("true", "向社会开放"), ("false", "不向社会开放"))


def _param(value: Any) -> str:
    """A facet value as it appears in the query string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _filter_options(session: Session, actor: Actor, filt: ResourceFilter, params: dict[str, str],
                    tree: list[Any]) -> dict[str, list[tuple[str, str, int | None]]]:
    """The choices of each filter as (value, label, count). Counts are of published entries (the facets);
    on the department's own tab, which lists drafts too, the standard's code lists are offered uncounted."""
    options: dict[str, list[tuple[str, str, int | None]]]
    if filt.mine:
        options = {name: [(v, v, None) for v in values] for name, values in (
            ("share_type", standard.SHARE_TYPES), ("format", standard.FORMATS),
            ("update_cycle", standard.UPDATE_CYCLES))}
        options["open_to_public"] = [(v, label, None) for v, label in OPEN_OPTIONS]
        options["classification_code"] = [(n.code, n.name, None) for root in tree for n in [root, *root.children]]
        options["department_id"] = []
        options["status"] = [(k, label, None) for k, label in RESOURCE_STATUSES.items()]
    else:
        options = {name: [(_param(v), label, n) for v, label, n in rows]
                   for name, rows in service.facets(session, actor, filt).items()}
        options["status"] = []
    names = {node.code: node.name for node, _ in _flatten(tree)}
    for name, chosen in options.items():  # what is chosen stays choosable, even when nothing matches now
        if name in params and params[name] not in {v for v, _, _ in chosen}:
            chosen.append((params[name], names.get(params[name], params[name]), None))
    return options


def _flatten(tree: list[Any], depth: int = 0) -> list[tuple[Any, int]]:
    """The classification nodes in tree order with their depth (for a select)."""
    out: list[tuple[Any, int]] = []
    for node in tree:
        out.append((node, depth))
        out.extend(_flatten(node.children, depth + 1))
    return out


# --- registering and editing --------------------------------------------------------------------------------

def _form(request: Request, code: str | None, status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        resource = None
        if code is None:
            authorize(actor, policy.create_resource, actor.department_id)
        else:
            resource = service.get_resource(session, actor, code)
            authorize(actor, policy.update_draft, resource)
            if "values" not in extra:
                base = service.draft_for(session, actor, resource) or service.version(
                    session, resource.published_version_id)
                if base is not None:
                    extra["values"], extra["rows"] = form_values(base)
        departments = []
        if code is None and actor.has("platform_admin"):
            departments, _ = org_service.list_departments(session, actor, DepartmentFilter(limit=500))
        extra.setdefault("values", {})
        extra.setdefault("rows", [])
        return render(request, "catalog/form.html", actor, status_code=status_code, resource=resource,
                      departments=departments, classifications=_flatten(service.classification_tree(session, actor)),
                      **_common(actor), **extra)


@router.get("/catalog/new")
def new_resource_page(request: Request) -> Response:
    return _form(request, None)


@router.post("/catalog")
async def create_resource_form(request: Request) -> Response:
    data = await read_form(request)
    payload, rows = parse_entry(data)
    payload.pop("change_reason", None)
    if "department_id" in data:
        payload["department_id"] = data["department_id"]
    try:
        with page(request) as (session, actor):
            code = service.create_resource(session, actor, ResourceCreate.model_validate(payload)).code
    except Forbidden:
        raise
    except DomainError as exc:
        return _form(request, None, status_code=exc.status or 400, values=data, rows=rows,
                     **entry_errors(request, exc))
    return RedirectResponse(f"/catalog/{code}?saved=created", status_code=303)


@router.get("/catalog/id/{resource_id}")
def resource_by_id(request: Request, resource_id: int) -> Response:
    """Work items name their subject by id (the inbox links here); the entry's page is by code."""
    with page(request) as (session, actor):
        code = service.get_resource_by_id(session, actor, resource_id).code
    return RedirectResponse(f"/catalog/{code}", status_code=303)


@router.get("/catalog/{code}/edit")
def edit_resource_page(request: Request, code: str) -> Response:
    return _form(request, code)


@router.post("/catalog/{code}/edit")
async def update_draft_form(request: Request, code: str) -> Response:
    data = await read_form(request)
    payload, rows = parse_entry(data)
    try:
        with page(request) as (session, actor):
            service.update_draft(session, actor, code, ResourceDraft.model_validate(payload))
    except Forbidden:
        raise
    except DomainError as exc:
        return _form(request, code, status_code=exc.status or 400, values=data, rows=rows,
                     **entry_errors(request, exc))
    return RedirectResponse(f"/catalog/{code}?saved=updated", status_code=303)


# --- the entry, its review and its versions ----------------------------------------------------------------

def _detail(request: Request, code: str, status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        resource = service.get_resource(session, actor, code)
        item = workflow.item_for(session, "catalog_resource", resource.id)
        steps: list[Any] = []
        transitions: list[Any] = []
        if item is not None and allowed(actor, workflow_policy.get_item, item):
            steps = workflow.get_item(session, actor, item.id)[1]
            transitions = workflow.open_transitions(actor, item) if item.closed_at is None else []
        else:
            item = None
        draft = service.draft_for(session, actor, resource)
        saved = request.query_params.get("saved")
        return render(request, "catalog/detail.html", actor, status_code=status_code, resource=resource,
                      published=service.version(session, resource.published_version_id), draft=draft,
                      history=service.version_history(session, actor, code), item=item, steps=steps,
                      transitions=transitions, state_label=workflow.state_label(item) if item else None,
                      step_labels=STEP_LABELS, saved=SAVED.get(saved or ""),
                      can_edit=allowed(actor, policy.update_draft, resource)
                      and resource.status not in ("confidentiality_review", "center_review", "withdrawn"),
                      can_submit=draft is not None and draft.status == "draft"
                      and allowed(actor, policy.submit_resource, resource),
                      can_request_withdrawal=allowed(actor, policy.request_withdrawal, resource)
                      and resource.published_version_id is not None and resource.status != "withdrawn"
                      and (item is None or item.closed_at is not None),
                      **_common(actor), **extra)


@router.get("/catalog/{code}")
def resource_page(request: Request, code: str) -> Response:
    return _detail(request, code)


async def _action(request: Request, code: str, act: Any, saved: str) -> Response:
    """Run one action of the entry page; on error show the page again with the message in place. ``act``
    returns the decision taken, if any, to name the confirmation."""
    data = await read_form(request)
    try:
        with page(request) as (session, actor):
            decision = act(session, actor, data)
    except DomainError as exc:
        return _detail(request, code, status_code=exc.status or 400, form=data, **entry_errors(request, exc))
    return RedirectResponse(f"/catalog/{code}?saved={saved}{decision or ''}", status_code=303)


@router.post("/catalog/{code}/submit")
async def submit_resource_form(request: Request, code: str) -> Response:
    def act(session: Session, actor: Actor, data: dict[str, Any]) -> None:
        service.submit_resource(session, actor, code)

    return await _action(request, code, act, "submitted")


@router.post("/catalog/{code}/review")
async def review_resource_form(request: Request, code: str) -> Response:
    def act(session: Session, actor: Actor, data: dict[str, Any]) -> str:
        decision = ReviewDecision.model_validate(data)
        service.review_resource(session, actor, code, decision)
        return decision.transition

    return await _action(request, code, act, "")


@router.post("/catalog/{code}/withdrawal")
async def request_withdrawal_form(request: Request, code: str) -> Response:
    def act(session: Session, actor: Actor, data: dict[str, Any]) -> None:
        service.request_withdrawal(session, actor, code, WithdrawalRequest.model_validate(data))

    return await _action(request, code, act, "withdrawal")


@router.post("/catalog/{code}/withdrawal/decision")
async def decide_withdrawal_form(request: Request, code: str) -> Response:
    def act(session: Session, actor: Actor, data: dict[str, Any]) -> str:
        decision = ReviewDecision.model_validate(data)
        service.decide_withdrawal(session, actor, code, decision)
        return decision.transition

    return await _action(request, code, act, "withdrawal_")


@router.get("/catalog/{code}/versions/{number}")
def version_page(request: Request, code: str, number: int) -> Response:
    """One version beside its predecessor: changed fields highlighted, items added, removed or changed."""
    with page(request) as (session, actor):
        resource = service.get_resource(session, actor, code)
        history = service.version_history(session, actor, code)  # newest first, as far as the actor may see
        at = next((n for n, v in enumerate(history) if v.version_no == number), None)
        if at is None:
            raise NotFound("目录版本", f"{code} 第{number}版", f"Catalog version {code} #{number}")
        current = history[at]
        previous = history[at + 1] if at + 1 < len(history) else None
        return render(request, "catalog/compare.html", actor, resource=resource, current=current,
                      previous=previous, diff=compare(previous, current), history=history, **_common(actor))

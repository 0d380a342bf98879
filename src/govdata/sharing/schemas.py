"""Shapes of the sharing context's requests, grants and shareable listing (SHR-1..4, SEC-1, SEC-7).

Input models (``…Create``, ``…Filter``, decisions) are strict; ``Shareable`` is what the listing returns to
pages and API alike; ``RequestDetail`` gathers a request with its work items for the detail page; the
``…Read`` models are the JSON API's answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from govdata.core.schemas import Strict
from govdata.sharing.models import Grant, ShareRequest
from govdata.workflow.models import WorkItem, WorkStep

ShareType = Literal["无条件共享", "有条件共享", "暂不共享"]
AccessMethod = Literal["api", "table", "file"]
ScopeOp = Literal["eq", "in", "prefix", "range"]
Action = Literal["subscribe", "request", "draft", "none"]

MAX_ITEMS = 200
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
RESOURCE_CODE_PATTERN = r"^\d{9}-\d{6}$"


def _printable(value: str) -> str:
    """Refuse control characters (NUL cannot even be stored by PostgreSQL), tabs and line breaks aside."""
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in value):
        raise ValueError("不能包含控制字符")
    return value


Text = Annotated[str, AfterValidator(_printable)]


# --- the shareable listing ------------------------------------------------------------------------------

class ShareableFilter(Strict):
    q: Text | None = Field(default=None, max_length=100, description="words of the name, summary or items")
    share_type: ShareType | None = None
    department_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="the providing department")
    offset: int = Field(default=0, ge=0, le=MAX_ID)
    limit: int = Field(default=20, ge=1, le=200)


class ShareableItem(BaseModel):
    code: str = Field(description="the item's field code")
    name: str
    data_type: str
    sensitivity: str
    pii_kind: str | None
    is_key: bool
    default_masking: str | None = Field(description="the rule applied unless the provider sets another")
    default_masking_label: str | None


class Shareable(BaseModel):
    """A published catalog entry as a consumer sees it, and what the caller may do with it."""

    code: str
    name: str
    summary: str
    share_type: ShareType
    share_condition: str | None
    share_method: str
    legal_basis: str | None = Field(description="required for 有条件共享 and 暂不共享 (SHR-1)")
    format: str
    update_cycle: str
    data_level: str
    version_no: int
    published_at: dt.datetime | None
    provider_department_id: int
    provider_department_name: str
    items: list[ShareableItem] = Field(description="the shared items (items withheld from sharing are not listed)")
    on_platform: bool = Field(description="the data is aggregated on the platform already")
    action: Action = Field(description="subscribe (无条件共享), request (有条件共享), draft (a department's data user "
                                       "drafts either for the data manager to submit) or none")
    action_reason: str | None = Field(description="why the caller can do nothing (Chinese)")
    my_grants: int = Field(0, description="active grants of the caller's department on this entry")
    my_open_request_id: int | None = Field(None, description="a request of the caller's department under review")
    my_draft_id: int | None = Field(None, description="a draft of the caller's department waiting for submission")


# --- subscriptions and requests ------------------------------------------------------------------------

class _Application(Strict):
    code: str = Field(pattern=RESOURCE_CODE_PATTERN, description="the catalog resource code")
    system_id: int = Field(ge=1, le=MAX_ID,
                           description="the consumer's approved business system that will call the API")
    purpose: Text = Field(min_length=2, max_length=2000, description="the business scenario the data serves")
    basis: Text = Field(min_length=2, max_length=2000, description="the duty or legal basis of the use (SHR-4)")
    access_method: AccessMethod = "api"
    period_from: dt.date | None = Field(default=None, description="first day of use; today when empty")
    period_to: dt.date = Field(description="last day of use, at most one year after the first")


class SubscribeCreate(_Application):
    items: list[Text] | None = Field(default=None, max_length=MAX_ITEMS,
                                     description="a subset of the shared items; all of them when empty")


class RequestCreate(_Application):
    items: list[Text] = Field(min_length=1, max_length=MAX_ITEMS, description="the shared items wanted")


class DraftCreate(SubscribeCreate):
    """A staff member's draft: the share type of the entry decides whether its submission subscribes
    (无条件共享, ``items`` may be empty: all) or requests (有条件共享)."""


class DraftUpdate(Strict):
    """Changes to a draft (by its drafter or the data manager, also when submitting); fields left out stay."""

    system_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    items: list[Text] | None = Field(default=None, min_length=1, max_length=MAX_ITEMS)
    purpose: Text | None = Field(default=None, min_length=2, max_length=2000)
    basis: Text | None = Field(default=None, min_length=2, max_length=2000)
    access_method: AccessMethod | None = None
    period_from: dt.date | None = None
    period_to: dt.date | None = None


class RequestFilter(Strict):
    box: Literal["mine", "review", "provided", "all", "drafts", "drafted"] = Field(
        default="mine", description="mine: my department's submitted requests; review: waiting for me; provided: "
                                    "asked of my department; all: every request (oversight roles); drafts: my "
                                    "department's drafts; drafted: the requests I drafted, whatever became of them")
    status: Literal["provider_review", "center_review", "granted", "refused", "objection", "withdrawn", "draft",
                    "declined", "draft_withdrawn"] | None = None
    code: str | None = Field(default=None, pattern=RESOURCE_CODE_PATTERN, description="the resource code")
    overdue: bool | None = Field(default=None, description="true: only requests past their step's deadline")
    offset: int = Field(default=0, ge=0, le=MAX_ID)
    limit: int = Field(default=20, ge=1, le=200)


class ScopeCondition(Strict):
    item: Text = Field(min_length=1, max_length=64)
    op: ScopeOp
    value: Any = Field(description="eq / prefix: a value; in: a list of values; range: [low, high], either may "
                                   "be null")


class GrantTerms(Strict):
    """Terms of a grant. Fields left out keep their current (or default) value."""

    items: list[Text] | None = Field(default=None, min_length=1, max_length=MAX_ITEMS)
    row_scope: list[ScopeCondition] | None = Field(default=None, max_length=10,
                                                   description="every condition must hold for a row to be shared")
    masking: dict[Text, Text] | None = Field(default=None, max_length=MAX_ITEMS,
                                           description="{item: rule}; items not named come in clear")
    rate_per_minute: int | None = Field(default=None, ge=1, le=120_000)
    daily_quota: int | None = Field(default=None, ge=1, le=10_000_000)
    valid_until: dt.date | None = None


class ReviewDecision(Strict):
    transition: Literal["pass", "approve", "reject"]
    reason: Text | None = Field(default=None, max_length=2000)
    terms: GrantTerms | None = Field(default=None, description="pass / approve: the terms of the grant")


class ReasonPayload(Strict):
    reason: Text = Field(min_length=1, max_length=2000)


class ObjectionDecision(Strict):
    transition: Literal["uphold", "reject"]
    reason: Text = Field(min_length=1, max_length=2000)


class GrantFilter(Strict):
    side: Literal["consumed", "provided", "all"] | None = Field(
        default=None, description="consumed: my department's; provided: of my department's data; all: oversight; "
                                  "empty: every grant the caller may see")
    status: Literal["active", "suspended", "revoked", "expired"] | None = None
    code: str | None = Field(default=None, pattern=RESOURCE_CODE_PATTERN)
    system_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    offset: int = Field(default=0, ge=0, le=MAX_ID)
    limit: int = Field(default=20, ge=1, le=200)


# --- what the services hand to pages (names resolved, deadlines) ---------------------------------------

@dataclass
class RequestInfo:
    """Names and progress of a request, attached by the services as ``ShareRequest.info``."""

    resource_name: str
    provider_name: str
    requester_name: str
    system_name: str
    status_label: str
    deadline_at: dt.datetime | None = None
    overdue: bool = False
    open_item_id: int | None = None
    requested_by_name: str = ""  # the person's name (the username when the account is gone)


@dataclass
class GrantInfo:
    """Names and the effective status of a grant, attached by the services as ``Grant.info``."""

    resource_name: str
    provider_name: str
    consumer_name: str
    system_name: str
    effective_status: str
    status_label: str


@dataclass
class RequestDetail:
    request: ShareRequest
    info: RequestInfo
    work_item: WorkItem | None
    steps: list[WorkStep]
    objection_item: WorkItem | None
    objection_steps: list[WorkStep]
    grant: Grant | None
    #: the transitions this actor may take now on the open item: (name, label)
    transitions: list[tuple[str, str]] = field(default_factory=list)
    can_withdraw: bool = False
    can_object: bool = False
    can_review: bool = False  # pass / approve / reject of the share_request item
    can_decide_objection: bool = False
    draft_item: WorkItem | None = None
    draft_steps: list[WorkStep] = field(default_factory=list)
    can_edit_draft: bool = False  # the drafter or the data manager, while a draft
    can_submit_draft: bool = False
    can_decline_draft: bool = False
    #: the names of the people who took the steps: {username: display name}
    people: dict[str, str] = field(default_factory=dict)


# --- JSON answers ----------------------------------------------------------------------------------------

class StepOut(BaseModel):
    transition: str
    from_state: str | None
    to_state: str
    actor_name: str
    at: dt.datetime
    reason: str | None
    deadline_at: dt.datetime | None
    was_overdue: bool


class ItemOut(BaseModel):
    id: int
    process: str
    state: str
    state_label: str
    deadline_at: dt.datetime | None
    overdue: bool
    closed_at: dt.datetime | None
    steps: list[StepOut]


class RequestRead(BaseModel):
    id: int
    kind: Literal["unconditional", "conditional"]
    code: str
    resource_name: str
    version_no: int
    provider_department_id: int
    provider_department_name: str
    requester_department_id: int
    requester_department_name: str
    system_id: int
    system_name: str
    items: list[str]
    purpose: str
    basis: str
    access_method: AccessMethod
    period_from: dt.date
    period_to: dt.date
    status: str
    status_label: str
    deadline_at: dt.datetime | None
    overdue: bool
    refusal_reason: str | None
    objection: str | None
    terms: dict[str, Any] | None = Field(description="the grant terms proposed by the provider while in review")
    requested_by: str = Field(description="the drafter while a draft; then who submitted it")
    requested_at: dt.datetime
    end_user_id: int | None = Field(description="the person the data is for (the drafter of a draft)")
    end_user_name: str | None
    work_item_id: int | None
    objection_item_id: int | None
    draft_item_id: int | None = Field(description="the share_draft work item of a drafted request")


class GrantRead(BaseModel):
    id: int
    request_id: int
    kind: Literal["unconditional", "conditional"]
    code: str
    resource_name: str
    provider_department_id: int
    provider_department_name: str
    consumer_department_id: int
    consumer_department_name: str
    system_id: int
    system_name: str
    items: list[str]
    row_scope: list[dict[str, Any]]
    masking: dict[str, str]
    purpose: str
    basis: str
    access_method: AccessMethod
    valid_from: dt.date
    valid_until: dt.date
    rate_per_minute: int
    daily_quota: int
    approvers: str
    end_user_id: int | None = Field(description="the person the data is for, from a drafted request")
    end_user_name: str | None
    status: str = Field(description="the stored status: active, suspended or revoked")
    effective_status: str = Field(description="expired once outside its period, else the stored status")
    status_label: str
    status_reason: str | None
    status_changed_at: dt.datetime | None
    created_at: dt.datetime


class TransitionOut(BaseModel):
    name: str
    label: str


class RequestDetailRead(BaseModel):
    request: RequestRead
    draft_item: ItemOut | None
    work_item: ItemOut | None
    objection_item: ItemOut | None
    grant: GrantRead | None
    transitions: list[TransitionOut]
    can_withdraw: bool
    can_object: bool
    can_review: bool
    can_decide_objection: bool
    can_edit_draft: bool
    can_submit_draft: bool
    can_decline_draft: bool

"""Shapes of the supervision views."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from govdata.core import labels
from govdata.core.schemas import ReadModel, Strict

BEIJING = dt.timezone(dt.timedelta(hours=8))


def aware(value: dt.datetime) -> dt.datetime:
    """Times typed without an offset are read as Beijing time, as users enter them."""
    return value.replace(tzinfo=BEIJING) if value.tzinfo is None else value


class AuditFilter(Strict):
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    department_id: int | None = None
    user: str | None = Field(default=None, max_length=64, description="username of the actor")
    category: str | None = Field(default=None, max_length=32,
                                 description="area of the action: the first segment of its code (core.labels)")
    action: str | None = Field(default=None, max_length=100,
                               description="action code, or a prefix ending in '.', or words of its name (e.g. 共享)")
    result: Literal["success", "denied", "failure"] | None = None
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=500)

    @field_validator("until")
    @classmethod
    def _not_before_since(cls, until: dt.datetime | None, info: ValidationInfo) -> dt.datetime | None:
        since = info.data.get("since")
        if until is not None and since is not None and aware(until) < aware(since):
            raise ValueError("截止时间早于起始时间，请调换两个时间")
        return until

    @field_validator("category")
    @classmethod
    def _known_category(cls, category: str | None) -> str | None:
        if category and category not in labels.CATEGORIES:
            raise ValueError("没有这个类别")
        return category or None


class AuditRead(ReadModel):
    seq: int
    time: dt.datetime
    actor_kind: str
    actor_name: str
    user_id: int | None
    system_id: int | None
    department_id: int | None
    action: str
    object_type: str | None
    object_id: str | None
    purpose: str | None
    approver: str | None
    data_content: dict[str, Any] | None
    method: str
    medium: str | None
    client_addr: str | None
    request_id: str | None
    result: str
    detail: dict[str, Any] | None
    prev_hash: str
    hash: str


class AuditVerifyRead(ReadModel):
    ok: bool = Field(description="the chain links up and agrees with every signed checkpoint")
    checked: int
    bad_seq: int | None
    reason: str | None
    anchored: bool = Field(description="the chain agrees with the signed checkpoints kept outside the database")
    checkpoints: int = 0
    last_checkpoint_seq: int | None = None
    unanchored: int = Field(0, description="entries written since the last checkpoint (not yet anchored)")

"""Shapes of the supervision views."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from govdata.core.schemas import ReadModel, Strict


class AuditFilter(Strict):
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    department_id: int | None = None
    user: str | None = Field(default=None, max_length=64, description="username of the actor")
    action: str | None = Field(default=None, max_length=100, description="action, or a prefix ending in '.'")
    result: Literal["success", "denied", "failure"] | None = None
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=500)


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

"""What a consumer system may read of a resource, and how (SHR-2, SEC-1, SEC-7).

A grant is the only key to the data service API. It names the items, a row scope (conditions on granted
items the rows must meet, e.g. only the consumer's region), a masking rule per item, the period, a rate
limit and a daily quota, and who approved it. Grants are never deleted: they expire at ``valid_until``,
or are suspended (and resumed) or revoked, each change audited with before/after.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govdata.core.db import Entity, utcnow

GRANT_STATUSES = {"active": "有效", "suspended": "已暂停", "revoked": "已撤销", "expired": "已到期"}


class Grant(Entity):
    __tablename__ = "share_grants"
    request_id: Mapped[int] = mapped_column(ForeignKey("share_requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # unconditional | conditional
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id"), index=True)
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    consumer_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("business_systems.id"), index=True)
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"item": code, "op": "eq"|"in"|"prefix"|"range", "value": …}] — every condition must hold
    row_scope: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # {code: rule}; rules in sharing.masking.RULES; items not named come in clear
    masking: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    purpose: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    access_method: Mapped[str] = mapped_column(String(8))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    rate_per_minute: Mapped[int] = mapped_column(Integer, default=600)
    daily_quota: Mapped[int] = mapped_column(Integer, default=10000)  # calls per day
    approvers: Mapped[str] = mapped_column(String(400))  # who approved, as the audit's approver field
    # the person the data is for, from the request (a staff member who drafted it); None: the department
    end_user_id: Mapped[int | None] = mapped_column(Integer)
    end_user_name: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12), default="active", index=True)  # active|suspended|revoked
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column()

    def effective_status(self, today: dt.date | None = None) -> str:
        """``expired`` once past ``valid_until`` (or not yet started), else the stored status."""
        return effective_status(self.status, self.valid_from, self.valid_until, today or utcnow().date())


def effective_status(status: str, valid_from: dt.date, valid_until: dt.date, day: dt.date) -> str:
    """A grant's status on ``day``: ``expired`` outside its period when otherwise active."""
    if status == "active" and not (valid_from <= day <= valid_until):
        return "expired"
    return status

"""Connected business systems (应用系统) with their security records and credentials (PRJ-3, SHR-3)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govdata.core.db import Entity
from govdata.org.models import Department

NETWORK_ZONES = ("政务外网", "政务内网", "互联网", "专网")
SYSTEM_STATUSES = {"pending": "待审核", "rejected": "已退回", "approved": "已接入", "withdrawn": "已撤回",
                   "revoked": "已吊销"}


class BusinessSystem(Entity):
    __tablename__ = "business_systems"
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(Text)
    owner_name: Mapped[str] = mapped_column(String(50))
    owner_phone: Mapped[str] = mapped_column(String(30))
    owner_email: Mapped[str | None] = mapped_column(String(120))
    network_zone: Mapped[str] = mapped_column(String(20))
    # 等保测评 (level-protection assessment)
    security_grade: Mapped[int] = mapped_column(Integer)
    assessor: Mapped[str] = mapped_column(String(100))
    assessment_report_no: Mapped[str] = mapped_column(String(60))
    assessment_date: Mapped[dt.date] = mapped_column(Date)
    assessment_valid_until: Mapped[dt.date] = mapped_column(Date)
    # 功能性能测评 (function / performance test)
    perf_tester: Mapped[str | None] = mapped_column(String(100))
    perf_report_no: Mapped[str | None] = mapped_column(String(60))
    perf_test_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    app_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    approved_at: Mapped[dt.datetime | None] = mapped_column()
    approved_by: Mapped[str | None] = mapped_column(String(100))
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_reason: Mapped[str | None] = mapped_column(Text)

    department: Mapped[Department] = relationship()

    __table_args__ = (UniqueConstraint("department_id", "name", name="uq_business_systems_department_name"),)


class SystemSecret(Entity):
    """An AppSecret, SM4-GCM encrypted (the server needs it to check HMAC signatures). After a rotation the
    previous secret keeps working until ``grace_until``. ``revealed_at`` records the one time it was shown."""

    __tablename__ = "system_secrets"
    system_id: Mapped[int] = mapped_column(ForeignKey("business_systems.id"), index=True)
    secret_enc: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    revealed_at: Mapped[dt.datetime | None] = mapped_column()
    revealed_to: Mapped[str | None] = mapped_column(String(100))
    grace_until: Mapped[dt.datetime | None] = mapped_column()
    retired_at: Mapped[dt.datetime | None] = mapped_column()


class RequestNonce(Entity):
    """Nonces seen within the replay window (the database store; Redis when configured)."""

    __tablename__ = "request_nonces"
    app_key: Mapped[str] = mapped_column(String(40))
    nonce: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)

    __table_args__ = (UniqueConstraint("app_key", "nonce", name="uq_request_nonces_app_key_nonce"),)

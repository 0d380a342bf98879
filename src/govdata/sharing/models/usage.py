"""The usage ledger: one row per call of the data service API, written in the same transaction as the
call's audit entry (``audit_seq`` links them). The audit entry is the record of Art. 18; this table is its
indexed projection for the usage charts and the misuse checks, and holds no data values either."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from govdata.core.db import Base, utcnow


class Usage(Base):
    __tablename__ = "share_usage"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("share_grants.id"))
    resource_id: Mapped[int | None] = mapped_column(Integer)
    provider_department_id: Mapped[int | None] = mapped_column(Integer)
    consumer_department_id: Mapped[int | None] = mapped_column(Integer)
    system_id: Mapped[int | None] = mapped_column(Integer)
    end_user: Mapped[str | None] = mapped_column(String(64))
    endpoint: Mapped[str] = mapped_column(String(16))  # record | query | changes | export
    medium: Mapped[str] = mapped_column(String(16))  # json | csv | xlsx | parquet
    rows: Mapped[int] = mapped_column(Integer, default=0)
    personal_rows: Mapped[int] = mapped_column(Integer, default=0)  # rows carrying an unmasked personal item
    result: Mapped[str] = mapped_column(String(16))  # success | denied
    reason: Mapped[str | None] = mapped_column(String(40))  # the error code of a denied call
    audit_seq: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_share_usage_at", "at"),
        Index("ix_share_usage_grant_at", "grant_id", "at"),
        Index("ix_share_usage_resource_at", "resource_id", "at"),
        Index("ix_share_usage_consumer_at", "consumer_department_id", "at"),
    )

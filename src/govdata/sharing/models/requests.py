"""A department's application to use a resource (SHR-1, SHR-2, SHR-4).

A department's staff (数据使用人员) may draft an application (``draft``); the department's data manager
submits it (then it goes on like the manager's own), edits it, or declines it (``declined``); the drafter
may withdraw it (``draft_withdrawn``). The drafter is the request's end user (``end_user_id``/``_name``),
the person the data is for, and stays on the grant. Drafts are the requesting department's own: the
provider never sees them.

Unconditional resources are subscribed at once: the row is written already ``granted`` so every use has
the same paper trail. Conditional resources go through the ``share_request`` process (provider department
review, then the big data center); a refusal can be objected to before the e-government authority
(``share_objection``). ``status`` mirrors the work item's state; the work item keeps the steps and deadlines.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govdata.core.db import Entity

#: 接口 / 库表 / 文件 (Art. 15): record lookups and queries, table-to-table change sync, bulk files.
ACCESS_METHODS = {"api": "接口", "table": "库表", "file": "文件"}
KINDS = {"unconditional": "无条件共享", "conditional": "有条件共享"}
#: Requests still on their way (review, or an objection before the authority).
OPEN_STATUSES = ("provider_review", "center_review", "objection")
#: Drafts not (yet) submitted: the requesting department's business only.
DRAFT_STATUSES = ("draft", "declined", "draft_withdrawn")
STATUSES = {
    "draft": "待本部门数据管理员提交",
    "declined": "数据管理员已退回",
    "draft_withdrawn": "起草人已撤回",
    "provider_review": "待提供部门审核",
    "center_review": "待大数据中心审核",
    "granted": "已授权",
    "refused": "未通过",
    "objection": "异议处理中",
    "withdrawn": "已撤回",
}


class ShareRequest(Entity):
    __tablename__ = "share_requests"
    kind: Mapped[str] = mapped_column(String(16))  # unconditional | conditional
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id"), index=True)
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    version_no: Mapped[int] = mapped_column(Integer)  # the published catalog version the items come from
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    requester_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("business_systems.id"), index=True)
    items: Mapped[list[str]] = mapped_column(JSON, default=list)  # field codes wanted
    purpose: Mapped[str] = mapped_column(Text)  # the business scenario the data serves
    basis: Mapped[str] = mapped_column(Text)  # the duty or legal basis behind the use
    access_method: Mapped[str] = mapped_column(String(8))  # api | table | file
    period_from: Mapped[dt.date] = mapped_column(Date)
    period_to: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), index=True)
    work_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_items.id"))
    objection_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_items.id"))
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    objection: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(100))  # the drafter while a draft, then the manager
    requested_by_user_id: Mapped[int | None] = mapped_column(Integer)
    # the person the data is for (the drafter of a draft); kept on the grant. Plain ids, like the one above:
    # SQLite cannot add a foreign key to an existing table in place
    end_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    end_user_name: Mapped[str | None] = mapped_column(String(100))
    draft_item_id: Mapped[int | None] = mapped_column(Integer)  # the ``share_draft`` work item
    # What the provider proposes for the grant while the request is under review (row scope, masking…)
    terms: Mapped[dict[str, Any] | None] = mapped_column(JSON)

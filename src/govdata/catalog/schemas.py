"""Shapes of the catalog context. Field rules of the standard live here (per field) and in
``rules.py`` (across fields), so the API, the forms and the Excel import validate alike."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import Field, field_validator

from govdata.core.schemas import ReadModel, Strict

Format = Literal["电子文件", "电子表格", "数据库", "图形图像", "流媒体", "自描述格式", "服务接口"]
ShareType = Literal["无条件共享", "有条件共享", "暂不共享"]
ShareMethod = Literal["接口", "库表", "文件"]
UpdateCycle = Literal["实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期"]
DataLevel = Literal["一般", "重要", "核心"]
DataType = Literal["C", "N", "Y", "D", "T", "L", "M", "G", "B", "I", "F"]
Sensitivity = Literal["L1", "L2", "L3", "L4"]
PiiKind = Literal["姓名", "身份证件号码", "手机号码", "住址", "银行账户", "生物识别", "健康医疗", "行踪轨迹", "其他个人信息"]

FIELD_CODE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# Column names the data plane keeps for itself (issue 5): an item may not take them.
RESERVED_FIELD_CODES = frozenset({"row_id", "record_key", "record_version", "batch_id", "content_hash", "ingested_at",
                                  "tombstone", "id", "created_at", "updated_at"})
RESOURCE_CODE = re.compile(r"^\d{9}-\d{6}$")


class ItemIn(Strict):
    name: str = Field(min_length=1, max_length=100, description="中文名称")
    field_code: str = Field(min_length=1, max_length=64, description="ASCII identifier, used as column and API name")
    data_type: DataType
    length: int | None = Field(default=None, ge=1, le=65535)
    required: bool = False
    is_key: bool = False
    sensitivity: Sensitivity = "L1"
    pii_kind: PiiKind | None = None
    shared: bool = Field(default=True, description="False: withheld even from approved consumers")
    description: str | None = Field(default=None, max_length=500)

    @field_validator("field_code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not FIELD_CODE.match(value):
            raise ValueError("字段编码须以小写字母开头，只含小写字母、数字和下划线，最长63位")
        if value in RESERVED_FIELD_CODES:
            raise ValueError(f"字段编码“{value}”为平台保留字段")
        return value


class ResourceDraft(Strict):
    """The content of one version of a catalog entry."""

    name: str = Field(min_length=2, max_length=200)
    classification_code: str = Field(min_length=1, max_length=12)
    summary: str = Field(min_length=5, max_length=4000)
    format: Format
    share_type: ShareType
    share_condition: str | None = Field(default=None, max_length=2000)
    share_method: ShareMethod
    legal_basis: str | None = Field(default=None, max_length=2000)
    open_to_public: bool = False
    open_condition: str | None = Field(default=None, max_length=2000)
    update_cycle: UpdateCycle
    release_date: dt.date | None = None
    related_codes: list[str] = Field(default_factory=list, max_length=50)
    data_level: DataLevel = "一般"
    secret_declared: bool = Field(default=False, description="涉密: such an entry is never published")
    keywords: str | None = Field(default=None, max_length=500)
    change_reason: str | None = Field(default=None, max_length=2000)
    items: list[ItemIn] = Field(default_factory=list, max_length=500)

    @field_validator("related_codes")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        bad = [c for c in value if not RESOURCE_CODE.match(c)]
        if bad:
            raise ValueError(f"关联资源代码格式不正确：{'、'.join(bad)}")
        return list(dict.fromkeys(value))


class ResourceCreate(ResourceDraft):
    department_id: int | None = Field(default=None, description="defaults to the caller's department")


class ItemRead(ReadModel):
    position: int
    name: str
    field_code: str
    data_type: str
    length: int | None
    required: bool
    is_key: bool
    sensitivity: str
    pii_kind: str | None
    shared: bool
    description: str | None


class VersionRead(ReadModel):
    id: int
    version_no: int
    status: str
    name: str
    classification_code: str | None = None
    classification_name: str | None = None
    summary: str
    format: str
    share_type: str
    share_condition: str | None
    share_method: str
    legal_basis: str | None
    open_to_public: bool
    open_condition: str | None
    update_cycle: str
    release_date: dt.date | None
    related_codes: list[str]
    data_level: str
    secret_declared: bool
    keywords: str | None
    change_reason: str | None
    created_by: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    published_at: dt.datetime | None
    items: list[ItemRead]


class ResourceRead(ReadModel):
    id: int
    code: str
    department_id: int
    department_name: str | None = None
    department_credit_code: str | None = None
    status: str
    published_at: dt.datetime | None
    published: VersionRead | None = None
    draft: VersionRead | None = None
    work_item_id: int | None = None


class ResourceFilter(Strict):
    q: str | None = Field(default=None, max_length=100)
    department_id: int | None = None
    classification_code: str | None = Field(default=None, max_length=12)
    share_type: ShareType | None = None
    format: Format | None = None
    update_cycle: UpdateCycle | None = None
    open_to_public: bool | None = None
    status: Literal["draft", "confidentiality_review", "center_review", "returned", "published",
                    "withdrawn"] | None = None
    mine: bool = Field(default=False, description="only the caller's department's entries, in any status")
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=20, ge=1, le=200)


class ReviewDecision(Strict):
    transition: Literal["pass", "approve", "reject", "resubmit", "abandon"]
    reason: str | None = Field(default=None, max_length=2000)


class WithdrawalRequest(Strict):
    reason: str = Field(min_length=1, max_length=2000)

"""The workbook's layout (CAT-1): the sheets, their columns (header, the field of the API it fills, how a
cell is read, whether it is required, the help text and the allowed values) and the limits of one upload.
"""

from __future__ import annotations

from dataclasses import dataclass

from govdata.catalog.standard import (
    DATA_LEVELS,
    DATA_TYPES,
    FORMATS,
    PII_KINDS,
    SENSITIVITY,
    SHARE_METHODS,
    SHARE_TYPES,
    UPDATE_CYCLES,
)

__all__ = ["EXPORT_COLUMNS", "HELP_SHEET", "ITEM_COLUMNS", "ITEM_SHEET", "KEY", "MAX_FILE_BYTES",
           "MAX_ITEMS", "MAX_RESOURCES", "MAX_UNPACKED_BYTES", "RESOURCE_COLUMNS", "RESOURCE_SHEET",
           "SHEETS", "Column", "column_letter"]

RESOURCE_SHEET = "资源"
ITEM_SHEET = "信息项"
HELP_SHEET = "说明"
KEY = "资源序号"

# Limits of one upload (CAT-1 interchange); the body limit of the upload routes follows MAX_FILE_BYTES.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_RESOURCES = 5_000
MAX_ITEMS = 50_000
# What the .xlsx (a zip) may unpack to: a guard against compression bombs.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # the schema field; "key" for 资源序号, "code" for 资源代码
    kind: str  # key | code | text | choice | data_type | bool | int | date | list | info
    required: bool
    help: str
    allowed: tuple[str, ...] = ()
    width: int = 14


def _types_text() -> tuple[str, ...]:
    return tuple(f"{code}（{name}）" for code, (name, _) in DATA_TYPES.items())


RESOURCE_COLUMNS: tuple[Column, ...] = (
    Column(KEY, "key", "key", True, "本表内唯一的序号（如 1、2、3），信息项表用它指明所属资源", width=9),
    Column("资源代码", "code", "code", False, "留空：登记新目录；填写本部门已有目录的资源代码：修改该目录"
           "（生成新的草稿版本，已发布版本在审核通过前保持不变）", width=18),
    Column("资源名称", "name", "text", True, "2～200个字", width=24),
    Column("资源分类代码", "classification_code", "text", True, "见本表下方“资源分类”代码表，如 101（人口）"),
    Column("资源摘要", "summary", "text", True, "5～4000个字，说明资源的内容、来源和用途", width=40),
    Column("资源格式", "format", "choice", True, "", FORMATS),
    Column("共享类型", "share_type", "choice", True, "", SHARE_TYPES),
    Column("共享条件", "share_condition", "text", False, "有条件共享时必填：可共享的部门或字段范围", width=24),
    Column("共享方式", "share_method", "choice", True, "须与资源格式相符，见下方“资源格式与共享方式”", SHARE_METHODS),
    Column("共享依据", "legal_basis", "text", False, "有条件共享、暂不共享时必填：法律、法规或国家政策依据", width=24),
    Column("是否向社会开放", "open_to_public", "bool", False, "填“是”或“否”（也可填 true/false、1/0），留空为否"),
    Column("开放条件", "open_condition", "text", False, "向社会开放的条件"),
    Column("更新周期", "update_cycle", "choice", True, "", UPDATE_CYCLES),
    Column("发布日期", "release_date", "date", False, "日期，如 2024-06-30"),
    Column("关联资源代码", "related_codes", "list", False, "多个资源代码用顿号、逗号或空格分隔", width=18),
    Column("数据分级", "data_level", "choice", False, "留空为“一般”", DATA_LEVELS),
    Column("是否涉密", "secret_declared", "bool", False, "涉及国家秘密的数据填“是”：可登记但永不发布（第二十条）"),
    Column("关键字", "keywords", "text", False, "多个关键字用顿号分隔"),
    Column("变更原因", "change_reason", "text", False, "修改已有目录时填写，记入版本历史"),
)
# Written by the export for the reader's information; ignored by the import.
EXPORT_COLUMNS: tuple[Column, ...] = (
    Column("提供部门", "department", "info", False, "导出时填写，导入时忽略（导入到所选部门）", width=16),
    Column("目录状态", "status", "info", False, "导出时填写，导入时忽略"),
    Column("版本号", "version_no", "info", False, "导出时填写，导入时忽略", width=8),
)
ITEM_COLUMNS: tuple[Column, ...] = (
    Column(KEY, "key", "key", True, "所属资源在“资源”表中的资源序号", width=9),
    Column("信息项名称", "name", "text", True, "中文名称，同一资源内不重复", width=18),
    Column("字段编码", "field_code", "text", True, "小写字母开头，只含小写字母、数字和下划线，同一资源内不重复",
           width=16),
    Column("数据类型", "data_type", "data_type", True, "填代码（如 C）或名称（如 字符型）", _types_text()),
    Column("数据长度", "length", "int", False, "正整数；字符型、数值型必填"),
    Column("是否必填", "required", "bool", False, "填“是”或“否”，留空为否；主键信息项必须为必填"),
    Column("是否主键", "is_key", "bool", False, "填“是”或“否”，留空为否；电子表格、数据库格式至少一个主键"),
    Column("敏感级别", "sensitivity", "choice", False, "留空为 L1；个人信息项不低于 L2", SENSITIVITY),
    Column("个人信息类别", "pii_kind", "choice", False, "不含个人信息时留空", PII_KINDS),
    Column("是否共享", "shared", "bool", False, "填“否”表示对已获批的使用部门也不提供，留空为是"),
    Column("描述", "description", "text", False, "500字以内", width=24),
)
SHEETS = {RESOURCE_SHEET: RESOURCE_COLUMNS, ITEM_SHEET: ITEM_COLUMNS}


def column_letter(index: int) -> str:
    """Column letter of a 0-based index."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters

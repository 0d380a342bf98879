"""One cell's value both ways: what the API takes from a cell of an uploaded workbook (yes/no words, whole
numbers, dates in the usual Chinese and ISO forms, lists, data types by code or name, the quote an export
put before text like ``=…`` taken off), and what a cell of an exported workbook shows of a value.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from govdata.catalog.excel.template import Column
from govdata.catalog.models import RESOURCE_STATUSES
from govdata.catalog.schemas import RESOURCE_CODE
from govdata.catalog.standard import DATA_TYPES
from govdata.core.sheet_writer import restore_text

__all__ = ["DATA_TYPE_BY_NAME", "DATE_FORMATS", "FALSE_WORDS", "LIST_SEPARATORS", "TRUE_WORDS", "cell_text",
           "read_cell", "write_cell"]

TRUE_WORDS = frozenset({"是", "true", "1"})
FALSE_WORDS = frozenset({"否", "false", "0"})
LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
DATA_TYPE_BY_NAME = {name: code for code, (name, _) in DATA_TYPES.items()}


def cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    text = restore_text(str(value)).strip()  # the quote an export put before "=…" comes off
    return text or None


def read_cell(column: Column, value: Any) -> Any:
    """The API's value of one non-empty cell; ValueError with a Chinese message when it has none."""
    if column.kind == "bool":
        if isinstance(value, bool):
            return value
        word = (cell_text(value) or "").lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"“{value}”不是有效的是/否值，请填“是”或“否”（也可填 true/false、1/0）")
    if column.kind == "int":
        if isinstance(value, bool):
            raise ValueError("应为正整数")
        if isinstance(value, int | float) and float(value).is_integer():
            return int(value)
        text = cell_text(value) or ""
        if text.isdigit():
            return int(text)
        raise ValueError(f"“{value}”不是整数，应为正整数")
    if column.kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = cell_text(value) or ""
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError(f"“{value}”不是有效日期，应为 YYYY-MM-DD，如 2024-06-30")
    if column.kind == "list":
        return [c for c in LIST_SEPARATORS.split(cell_text(value) or "") if c]
    text = cell_text(value)
    if column.kind == "data_type" and text is not None:
        return _data_type(text)
    if column.kind == "code" and text is not None and not RESOURCE_CODE.match(text):
        raise ValueError(f"“{text}”不是有效的资源代码（应为9位分类码-6位序号，如 101000000-000001）；"
                         "登记新目录请留空")
    return text


def _data_type(text: str) -> str:
    """A data type code from "C", "c", "字符型", "C（字符型）" or "C 字符型"; anything else is left for the
    schema to refuse with the list of codes."""
    if text in DATA_TYPE_BY_NAME:
        return DATA_TYPE_BY_NAME[text]
    code, rest = text[:1].upper(), text[1:].strip(" （()）")
    if code in DATA_TYPES and rest in ("", DATA_TYPES[code][0]):
        return code
    return text


def write_cell(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "list":
        return "、".join(value) or None
    if column.field == "status":
        return RESOURCE_STATUSES.get(value, value)
    return value

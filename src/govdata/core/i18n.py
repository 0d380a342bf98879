"""Language choice: Chinese first, English when the caller prefers it (``Accept-Language: en``)."""

from __future__ import annotations

from typing import Any

SUPPORTED = ("zh", "en")


def pick_language(accept_language: str | None) -> str:
    """Return "en" when English ranks above Chinese in an Accept-Language header, else "zh"."""
    if not accept_language:
        return "zh"
    best_lang, best_q = "zh", -1.0
    for part in accept_language.split(","):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in SUPPORTED and q > best_q:
            best_lang, best_q = primary, q
    return best_lang


# --- pydantic's validation errors, in Chinese ------------------------------------------------------------
# One translation for every page, the problem+json field messages and the catalog workbook import: a clerk
# never reads pydantic's English. ``{name}`` takes the error's context (``ctx``: the limit that was passed).
# Types not listed here get a plain "取值不符合要求" rather than the English text.

_PYDANTIC_ZH: dict[str, str] = {
    "missing": "必填",
    "missing_argument": "必填",
    "extra_forbidden": "不允许的字段",
    "unexpected_keyword_argument": "不允许的字段",
    "string_too_short": "至少应有{min_length}个字符",
    "string_too_long": "不能超过{max_length}个字符",
    "string_pattern_mismatch": "格式不正确",
    "string_type": "应为文字",
    "string_unicode": "应为文字",
    "string_not_ascii": "只能包含英文字母、数字和常用符号",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "int_parsing_size": "数值超出允许范围",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "finite_number": "应为有限的数字",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "decimal_max_digits": "数字的位数过多",
    "decimal_max_places": "小数位数过多",
    "decimal_whole_digits": "整数部分的位数过多",
    "multiple_of": "应为{multiple_of}的整数倍",
    "bool_parsing": "应为“是”或“否”",
    "bool_type": "应为“是”或“否”",
    "greater_than": "应大于{gt}",
    "greater_than_equal": "不能小于{ge}",
    "less_than": "应小于{lt}",
    "less_than_equal": "不能大于{le}",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "union_tag_invalid": "取值不在允许范围内",
    "union_tag_not_found": "缺少类型字段",
    "date_parsing": "应为日期，如 2025-01-31",
    "date_type": "应为日期，如 2025-01-31",
    "date_from_datetime_parsing": "应为日期，如 2025-01-31",
    "date_from_datetime_inexact": "应为日期，不含时刻",
    "date_past": "应为今天以前的日期",
    "date_future": "应为今天以后的日期",
    "datetime_parsing": "应为日期或日期时间，如 2025-01-31 或 2025-01-31T08:30",
    "datetime_type": "应为日期或日期时间，如 2025-01-31 或 2025-01-31T08:30",
    "datetime_from_date_parsing": "应为日期或日期时间，如 2025-01-31 或 2025-01-31T08:30",
    "datetime_object_invalid": "日期时间无效",
    "datetime_past": "应为过去的时间",
    "datetime_future": "应为将来的时间",
    "time_parsing": "应为时刻，如 08:30",
    "time_type": "应为时刻，如 08:30",
    "time_delta_parsing": "应为时长",
    "time_delta_type": "应为时长",
    "timezone_naive": "不应带时区",
    "timezone_aware": "应带时区",
    "timezone_offset": "时区不正确",
    "url_parsing": "应为网址",
    "url_type": "应为网址",
    "url_syntax_violation": "网址格式不正确",
    "url_too_long": "网址过长",
    "url_scheme": "网址的协议不被允许",
    "uuid_parsing": "应为 UUID",
    "uuid_type": "应为 UUID",
    "uuid_version": "UUID 版本不正确",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "set_type": "应为列表",
    "frozen_set_type": "应为列表",
    "iterable_type": "应为列表",
    "dict_type": "应为对象",
    "mapping_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "dataclass_type": "应为对象",
    "json_invalid": "JSON 格式错误",
    "json_type": "应为 JSON 文本",
    "none_required": "应为空",
    "bytes_type": "应为文字",
    "bytes_too_short": "至少应有{min_length}个字节",
    "bytes_too_long": "不能超过{max_length}个字节",
    "frozen_field": "不能修改",
    "frozen_instance": "不能修改",
}
_FALLBACK = "取值不符合要求"


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def pydantic_message(err: Any) -> str:
    """One of pydantic's errors (an item of ``ValidationError.errors()``) as a Chinese message. A
    ``value_error`` of our own validators is already Chinese and is kept; pydantic's own English ones are not."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        message = str(ctx.get("error", "")) or str(err.get("msg", ""))
        message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if "email address" in message:
            return "电子邮箱格式不正确"
        return message if _has_chinese(message) else "取值无效"
    if kind in ("too_short", "too_long"):
        text = isinstance(err.get("input"), str)
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        if limit is None:
            return "长度不符合要求"
        if kind == "too_short":
            if text:
                return "不能为空" if limit == 1 else f"至少应有{limit}个字符"
            return "至少需要一项" if limit == 1 else f"至少需要{limit}项"
        return f"不能超过{limit}个字符" if text else f"最多{limit}项"
    template = _PYDANTIC_ZH.get(kind)
    if template is None:
        return _FALLBACK
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "不能为空"
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return _FALLBACK

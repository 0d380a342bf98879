"""One way to show an audit entry or a finding to a person, in words (``core.labels``).

An entry's content (its ``detail`` and ``data_content``) becomes a short list of name–value lines: a change
as ``old → new`` per field that changed, coded values and error codes in words, times in Beijing time,
department ids as names, information items by their catalog names, long lists cut short. The full record
stays available as JSON (``full_record``) behind a toggle for those who need it. A finding becomes one
sentence (its kind's ``describe``). The templates reach these through ``web.render`` (``entry_lines``,
``full_record``, ``finding_text``, ``finding_refs``) and the macros of ``web/_audit.html``."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from govdata.core import labels

__all__ = ["MAX_LINES", "entry_lines", "finding_refs", "finding_text", "full_record"]

MAX_LINES = 6
MAX_LIST = 8
MAX_TEXT = 120
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_SUBJECT = re.compile(r"^([a-z_]+):(\d+)$")
#: keys whose values are information items (field codes) of the entry's resource
ITEM_KEYS = frozenset({"items", "fields", "out_of_scope_fields", "added_columns"})
#: keys whose values are what someone typed or named, never codes to put in words (a user named ``vendor``)
FREE_TEXT = frozenset({"username", "name", "display_name", "short_name", "title", "email", "phone", "owner_name",
                       "owner_email", "owner_phone", "filename", "file", "end_user", "drafted_by", "app_key", "prefix",
                       "keywords", "query", "path", "table", "table_name", "client", "host", "database", "resource",
                       "resource_code", "system_name", "resource_name", "purpose", "summary", "note"})


def _get(entry: Any, name: str) -> Any:
    return entry.get(name) if isinstance(entry, Mapping) else getattr(entry, name, None)


class _Shown:
    """What the values of one entry are shown with: its scope (the context of its action), the names of
    departments and of its resource's items."""

    def __init__(self, scope: str | None, departments: Mapping[int, str], items: Mapping[str, str]) -> None:
        self.scope, self.departments, self.items = scope, departments, items

    def label(self, key: str) -> str | None:
        return labels.field_label(key, self.scope)

    def value(self, value: Any, key: str = "") -> str:
        if value is None or value == "" or value == [] or value == {}:
            return "（空）"
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, int) and (key == "department_id" or key.endswith("_department_id")):
            return self.departments.get(value, f"#{value}")
        if isinstance(value, float):
            return f"{value:.2f}".rstrip("0").rstrip(".")
        if isinstance(value, int):
            return f"第 {value} 版" if key == "version_no" else str(value)
        if isinstance(value, str):
            return self.text(value, key)
        if isinstance(value, list):
            return self.sequence(value, key)
        if isinstance(value, dict):
            return self.mapping(value, key)
        return _cut(str(value))

    def text(self, value: str, key: str) -> str:
        if key in ITEM_KEYS:
            return self.items.get(value, value)
        if key in FREE_TEXT:
            return _cut(value)
        if _TIME.match(value) or key.endswith("_at"):
            return labels.local_time(value)
        subject = _SUBJECT.match(value)
        if subject and subject.group(1) in labels.OBJECTS:
            return f"{labels.OBJECTS[subject.group(1)].label} #{subject.group(2)}"
        if _CODE.match(value):
            return labels.value_label(value, self.scope, key or None)
        return _cut(value)

    def sequence(self, values: list[Any], key: str) -> str:
        if key == "period" and len(values) == 2 and all(isinstance(v, str | None) for v in values):
            return f"{self.value(values[0])} 至 {self.value(values[1])}"
        if values and all(isinstance(v, dict) and {"item", "op"} <= set(v) for v in values):
            return self.conditions(values)
        if any(isinstance(v, dict | list) for v in values):
            return f"{len(values)} 项"
        shown = "、".join(self.value(v, key) for v in values[:MAX_LIST])
        return shown + (f" 等 {len(values)} 项" if len(values) > MAX_LIST else "")

    def conditions(self, values: list[dict[str, Any]]) -> str:
        """Conditions on items (a grant's row scope: 所属区县代码 等于 530102; a call's filters, kept without
        their values: 登记状态（等于）)."""
        parts = []
        for c in values[:MAX_LIST]:
            item = self.items.get(str(c["item"]), str(c["item"]))
            op = labels.value_label(str(c["op"]), self.scope, "op")
            if "value" not in c:  # the record of a call keeps which items were asked, not the values
                parts.append(f"{item}（{op}）")
                continue
            value = c["value"]
            shown = "、".join(str(v) for v in value) if isinstance(value, list) else str(value)
            parts.append(f"{item} {op} {shown}")
        return _cut("；".join(parts) + ("…" if len(values) > MAX_LIST else ""))

    def mapping(self, value: dict[str, Any], key: str) -> str:
        parts = []
        for k, v in list(value.items())[:MAX_LIST]:
            if key == "masking":
                parts.append(f"{self.items.get(k, k)}：{labels.value_label(str(v), self.scope, 'masking')}")
                continue
            name = self.label(k)
            if name is None:
                continue
            shown = f"{len(v)} 项" if isinstance(v, dict | list) and v else self.value(v, k)
            parts.append(f"{name}：{shown}")
        more = "…" if len(value) > MAX_LIST else ""
        return _cut("；".join(parts) + more)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _changes(shown: _Shown, before: Any, after: Any) -> list[tuple[str, str]]:
    if not isinstance(before, dict) and not isinstance(after, dict):
        return []
    b, a = before if isinstance(before, dict) else {}, after if isinstance(after, dict) else {}
    lines = []
    for key in list(dict.fromkeys([*a, *b])):
        name = shown.label(key)
        if name is None or a.get(key) == b.get(key):
            continue
        if before is None:  # created: what it holds
            if a.get(key) in (None, "", [], {}):
                continue
            lines.append((name, shown.value(a[key], key)))
        elif after is None:  # ended: what it held
            lines.append((name, f"{shown.value(b.get(key), key)} → （已停用）"))
        else:
            lines.append((name, f"{shown.value(b.get(key), key)} → {shown.value(a.get(key), key)}"))
    return lines


#: detail keys said first: why something was refused or failed, which post or rule it is about
FIRST = ("reason", "code", "error", "status_reason", "role", "rule")
#: detail keys holding the id of an object (shown as ``#id``; left out when it is the entry's own object)
ID_KEYS = {"grant_id": "grant", "request_id": "share_request", "system_id": "business_system", "batch_id": "batch",
           "work_item": "work_item", "schedule_id": None, "deletion_id": None, "secret_id": None,
           "new_secret_id": None, "previous_secret_id": None, "supersedes": "collection_catalog"}


def entry_lines(entry: Any, departments: Mapping[int, str] | None = None,
                items: Mapping[str, Mapping[str, str]] | None = None) -> list[tuple[str, str]]:
    """The content of an audit entry (an ``AuditEntry`` or a dict of its fields) as (name, value) lines: why
    it was refused or failed, what changed, the data it concerns, the rest of its detail, its purpose and
    approver; empty values and repeats left out, at most ``MAX_LINES`` (the rest in the full record).
    ``departments``: id -> name; ``items``: resource code -> {field code: item name}."""
    action = str(_get(entry, "action") or "")
    content = _get(entry, "data_content") or {}
    detail = _get(entry, "detail") or {}
    content = content if isinstance(content, dict) else {}
    detail = detail if isinstance(detail, dict) else {}
    items = items or {}
    code = content.get("resource") or detail.get("resource_code")
    if code is None and len(items) == 1:  # the one resource the page is about
        code = next(iter(items))
    shown = _Shown(action.split(".", 1)[0] or None, departments or {}, items.get(str(code), {}))
    own = (_get(entry, "object_type"), str(_get(entry, "object_id")))

    def plain(part: dict[str, Any], keys: list[str]) -> list[tuple[str, str]]:
        lines = []
        for key in keys:
            value = part.get(key)
            name = shown.label(key)
            if name is None or value in (None, "", [], {}):
                continue
            if key in ID_KEYS and isinstance(value, int | str) and not isinstance(value, bool):
                if (ID_KEYS[key], str(value)) == own:
                    continue
                lines.append((name, f"#{value}"))
                continue
            lines.append((name, shown.value(value, key)))
        return lines

    rest = [k for k in detail if k not in FIRST and k not in ("before", "after") and k not in content]
    lines = plain(detail, [k for k in FIRST if k in detail])
    lines += _changes(shown, detail.get("before"), detail.get("after")) if ("before" in detail or "after" in detail) else []
    lines += plain(content, list(content))
    lines += plain(detail, rest)
    for name, value in (("事由", _get(entry, "purpose")), ("批准人", _get(entry, "approver"))):
        if value:
            lines.append((name, _cut(str(value))))
    unique: list[tuple[str, str]] = []
    for name, value in lines:
        if all(value != v for _, v in unique):
            unique.append((name, value))
    if len(unique) > MAX_LINES:
        unique = unique[:MAX_LINES - 1] + [("…", f"另 {len(unique) - MAX_LINES + 1} 项见完整记录")]
    return unique


def full_record(entry: Any) -> str:
    """The entry's content as it is kept (JSON), for the toggle under the lines."""
    record = {k: v for k in ("data_content", "detail") if (v := _get(entry, k))}
    return json.dumps(record, ensure_ascii=False, indent=1, default=str) if record else ""


def finding_text(finding: Mapping[str, Any]) -> str:
    """A finding in one sentence (its kind's ``describe``), else its detail as name–value text."""
    kind = labels.FINDINGS.get(str(finding.get("kind")))
    if kind is not None and kind.describe is not None:
        try:
            return kind.describe(dict(finding))
        except (KeyError, TypeError, ValueError):
            pass  # a finding written before its kind's sentence changed: shown as name–value text below
    detail = finding.get("detail") or {}
    shown = _Shown(None, {}, {})
    return "；".join(f"{name}：{shown.value(v, k)}" for k, v in detail.items()
                    if (name := shown.label(k)) is not None and v is not None)


def finding_refs(finding: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The objects a finding names, as (object type, id)."""
    kind = labels.FINDINGS.get(str(finding.get("kind")))
    if kind is None or kind.refers_to is None:
        return []
    return [(t, str(i)) for t, i in kind.refers_to(dict(finding.get("detail") or {}))]

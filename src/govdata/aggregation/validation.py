"""Row validation for aggregated data (AGG-4): check pushed records against registered information items.

Pure functions and classes, no database. A :class:`Validator` is built once per catalog version from its
information items (:class:`ItemSpec`) and then checks many rows; per-item converters
(``value_types.converter``, which lists what each data type accepts and stores) and personal identifier
checks (``identifier_checks``) are compiled in ``__init__`` so the per-row path is a flat loop over closures.

Every value arrives either as a JSON value (str, int, float, bool, None) or as a CSV string. The empty
string and ``None`` mean the same thing ("no value") for every data type, so SQLite and PostgreSQL
(COPY) agree. A row's record key and content hash are computed from canonical forms of the converted
values, identical whichever database they came back from.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

from govdata.aggregation.identifier_checks import identifier_check
from govdata.aggregation.value_types import (
    BLOB_LIMIT,
    INT64_MAX,
    INT64_MIN,
    ValueRefused,
    canonical_decimal,
    converter,
)
from govdata.core.crypto import sm3_hex

__all__ = [
    "BLOB_LIMIT",
    "INT64_MAX",
    "INT64_MIN",
    "ItemSpec",
    "RowProblem",
    "RowResult",
    "Validator",
    "content_hash",
]


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """What a validator needs to know about one registered information item (信息项)."""

    field_code: str
    name: str
    data_type: str
    length: int | None = None
    required: bool = False
    is_key: bool = False
    pii_kind: str | None = None

    @classmethod
    def from_item(cls, item: object) -> ItemSpec:
        """Build from a catalog ``ResourceItem`` or anything with the same attributes."""
        return cls(
            field_code=item.field_code,
            name=item.name,
            data_type=item.data_type,
            length=getattr(item, "length", None),
            required=bool(getattr(item, "required", False)),
            is_key=bool(getattr(item, "is_key", False)),
            pii_kind=getattr(item, "pii_kind", None),
        )


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One finding about a row: ``field`` is the field code (or the unknown field name), ``message`` Chinese."""

    field: str
    code: str
    message: str


@dataclass(slots=True)
class RowResult:
    """Outcome of :meth:`Validator.check`.

    ``values`` (field code → converted value, ``None`` for absent optional items) and ``key`` are set only
    when there are no problems. Warnings never reject a row.
    """

    values: dict[str, object] | None
    key: str | None
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------------------
# Canonical forms: record key and content hash
# ---------------------------------------------------------------------------


def _canonical(value: object) -> object:
    """JSON-ready canonical form of a converted value, identical whichever database it came back from."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return canonical_decimal(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _key_part(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    text = _canonical(value)
    text = text if isinstance(text, str) else str(text)
    # Escape so that ("a|b", "c") and ("a", "b|c") give different keys.
    if "|" in text or "\\" in text:
        text = text.replace("\\", "\\\\").replace("|", "\\|")
    return text


def content_hash(values: Mapping[str, object]) -> str:
    """SM3 hex digest of a canonical JSON of converted values (sorted keys, ISO dates, decimal strings,
    base64 bytes), so the same content hashes the same on SQLite and PostgreSQL."""
    payload = {str(k): _canonical(v) for k, v in values.items()}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return sm3_hex(text.encode("utf-8"))


# ---------------------------------------------------------------------------
# Validator
# ---------------------------------------------------------------------------


class Validator:
    """Checks rows against a fixed list of information items. Build once, call :meth:`check` per row."""

    def __init__(self, items: list[ItemSpec]) -> None:
        self.items = list(items)
        codes = [spec.field_code for spec in self.items]
        if len(set(codes)) != len(codes):
            raise ValueError("duplicate field_code among items")
        self._codes = frozenset(codes)
        plan = []
        for spec in self.items:
            label = f"{spec.name}（{spec.field_code}）" if spec.name else spec.field_code
            plan.append(
                (
                    spec.field_code, label, converter(spec.data_type, spec.length, spec.field_code), spec.required,
                    spec.is_key, spec.data_type not in ("C", "M"),
                    identifier_check(spec.data_type, spec.name, spec.pii_kind),
                )
            )
        self._plan = tuple(plan)
        self._key_codes = tuple(spec.field_code for spec in self.items if spec.is_key)

    def check(self, row: Mapping[str, object]) -> RowResult:
        problems: list[RowProblem] = []
        warnings: list[RowProblem] = []
        if not self._codes.issuperset(row):
            for name in row:
                if name not in self._codes:
                    problems.append(RowProblem(str(name), "out_of_scope", f"超出登记范围的字段“{name}”"))
        values: dict[str, object] = {}
        get = row.get
        for code, label, convert, required, is_key, blank_is_empty, id_check in self._plan:
            raw = get(code)
            if raw is None or raw == "":
                values[code] = None
                if is_key:
                    problems.append(RowProblem(code, "key_missing", f"{label}是记录主键，不能为空"))
                elif required:
                    problems.append(RowProblem(code, "required", f"{label}为必填项，不能为空"))
                continue
            # Whitespace-only input is "no value" for every type except free text, where it is content.
            try:
                value = convert(raw)
            except ValueRefused as bad:
                if blank_is_empty and isinstance(raw, str) and not raw.strip():
                    values[code] = None
                    if is_key:
                        problems.append(RowProblem(code, "key_missing", f"{label}是记录主键，不能为空"))
                    elif required:
                        problems.append(RowProblem(code, "required", f"{label}为必填项，不能为空"))
                    continue
                problems.append(RowProblem(code, bad.code, f"{label}：{bad.reason}"))
                continue
            if id_check is not None:
                found = id_check(value)
                if found is not None:
                    is_warning, problem_code, reason = found
                    finding = RowProblem(code, problem_code, f"{label}：{reason}")
                    (warnings if is_warning else problems).append(finding)
            values[code] = value
        if problems:
            return RowResult(None, None, problems, warnings)
        key = "|".join(_key_part(values[c]) for c in self._key_codes) if self._key_codes else None
        return RowResult(values, key, problems, warnings)

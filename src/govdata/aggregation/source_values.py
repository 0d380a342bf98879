"""Database values of pulled rows (AGG-5): the watermark and key values of the stored position as JSON that
turns back into the same Python value for the next keyset query, and each column value in a raw form the
validator's converter for the item's data type accepts (``value_types.py``), without loss."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any


def encode(value: Any) -> dict[str, str] | None:
    """A watermark or key value as JSON that :func:`decode` turns back into the same Python value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return {"t": "bool", "v": "1" if value else "0"}
    kinds: list[tuple[type, str]] = [(int, "int"), (float, "float"), (Decimal, "decimal"), (dt.datetime, "datetime"),
                                     (dt.date, "date"), (str, "str"), (uuid.UUID, "uuid")]
    for kind, name in kinds:
        if isinstance(value, kind):
            return {"t": name, "v": value.isoformat() if isinstance(value, dt.date) else
                    (repr(value) if isinstance(value, float) else str(value))}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"t": "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    raise ValueError(f"unsupported watermark or key type {type(value).__name__}")


def decode(stored: dict[str, str] | None) -> Any:
    if stored is None:
        return None
    t, v = stored["t"], stored["v"]
    readers: dict[str, Any] = {"bool": lambda s: s == "1", "int": int, "float": float, "decimal": Decimal,
                               "datetime": dt.datetime.fromisoformat, "date": dt.date.fromisoformat, "str": str,
                               "uuid": uuid.UUID, "bytes": base64.b64decode}
    return readers[t](v)


def shown(stored: dict[str, Any] | None) -> str:
    """A stored position for people: the watermark value, and the key after it."""
    if not stored:
        return ""
    key = ", ".join(k["v"] if k else "" for k in stored.get("key") or [])
    value = stored["watermark"]["v"] if stored.get("watermark") else ""
    return f"{value}（主键 {key}）" if key else value


def raw_value(value: Any, data_type: str) -> Any:
    """A database value in a form the validator's converter for ``data_type`` accepts, without loss; a
    value that does not fit (a time of day in a date item…) is passed on for the validator to refuse."""
    if value is None:
        return None
    if isinstance(value, memoryview | bytearray):
        value = bytes(value)
    if data_type in ("C", "M"):
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        if isinstance(value, bytes):
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError:
                return value
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, dt.date | dt.time):
            return value.isoformat()
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return str(value)
    if data_type == "D" and isinstance(value, dt.datetime):
        return value.date() if value.timetz().replace(tzinfo=None) == dt.time() else value
    if data_type in ("I", "L") and isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if data_type in ("B", "F") and isinstance(value, Decimal):
        return str(value)
    if data_type == "G" and isinstance(value, str):
        return base64.b64encode(value.encode("utf-8")).decode("ascii")
    return value

"""Columnar validation for file loads (AGG-4, AGG-5): ``validation.Validator`` for whole columns at once.

``ColumnarValidator(items).check(columns, n_rows)`` gives, for every row, exactly what
``Validator(items).check(row)`` gives for that row (values, key, content hash, problems, warnings), about
ten times faster. Each data type has a vectorised *fast path* (numpy over the raw UTF-8 bytes, pyarrow
compute) for the common, clearly valid shape of its values; every non-empty value that is not on the fast
path goes to a one-item :class:`Validator`, so messages and edge cases are those of the row-wise code by
construction. The content hash of a row whose values all came by the fast paths is computed from a
canonical JSON text assembled column-wise (the text ``content_hash`` hashes: ``json.dumps(...,
sort_keys=True, ensure_ascii=False, separators=(",", ":"))``) with OpenSSL's SM3; other accepted rows go
through ``content_hash`` itself. Input is processed in chunks of :data:`CHUNK_ROWS` rows.

SM3 is the floor: OpenSSL hashes about 180 MB/s on this class of machine, so a million rows of ~230 bytes
of canonical JSON cost ~1.35 s of hashing plus ~0.75 s of per-row overhead (bytes objects, context
copies), about half the total. A helper process hashing part of the rows gave nothing measurable on the
shared 2-core machine, so hashing stays in the calling thread.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from govdata.aggregation.columnar_ids import (
    ID_CHECKS,
    byte_view,
    ctrl_c,
    ctrl_m,
    decimal_shape,
    format_fixed,
    json_special,
    parse_dates,
    parse_datetimes,
    rows_with_bytes,
    sm3_hexdigests,
    utc_isoformat,
)
from govdata.aggregation.validation import ItemSpec, RowProblem, Validator, content_hash

__all__ = ["CHUNK_ROWS", "ColumnarResult", "ColumnarValidator", "OUTPUT_TYPES"]

CHUNK_ROWS = 100_000

#: Arrow type of the converted column of each data type.
OUTPUT_TYPES: dict[str, pa.DataType] = {
    "C": pa.string(), "M": pa.string(), "N": pa.string(), "Y": pa.int64(), "I": pa.int64(),
    "D": pa.date32(), "T": pa.timestamp("us", tz="UTC"), "L": pa.bool_(), "B": pa.float64(),
    "F": pa.float64(), "G": pa.binary(),
}
#: Types whose canonical JSON form is a string (quoted); the others are JSON numbers or booleans.
_QUOTED = frozenset("CMNDTG")
_BOOL_WORDS = ["true", "false", "True", "False", "TRUE", "FALSE", "1", "0", "是", "否", "Y", "N", "y", "n"]
_BOOL_SET = pa.array(_BOOL_WORDS)
_BOOL_VALUE = np.array([w.lower() in ("true", "1", "是", "y") for w in _BOOL_WORDS])
_DIGIT = np.uint8(ord("0"))


@dataclass
class ColumnarResult:
    """Outcome of :meth:`ColumnarValidator.check`; row ``i`` equals ``Validator.check`` of row ``i``.

    ``ok``: bool per row. ``columns``: every item's converted values (types in :data:`OUTPUT_TYPES`, null at
    rejected rows). ``keys``: record keys (null at rejected rows, all null without a key item). ``hashes``:
    ``content_hash`` of each accepted row. ``problems`` (rejected rows only) and ``warnings``: by 0-based
    row index, in the row-wise order.
    """

    ok: np.ndarray
    columns: dict[str, pa.Array]
    keys: pa.Array
    hashes: list[str | None]
    problems: dict[int, list[RowProblem]] = field(default_factory=dict)
    warnings: dict[int, list[RowProblem]] = field(default_factory=dict)


@dataclass
class _Fast:
    """A fast path's output: values and JSON text (null off the fast rows); ``fix``: text made in Python."""

    fast: np.ndarray
    values: pa.Array
    text: pa.Array
    fix: np.ndarray | None = None


def _nulls_where(arr: pa.Array, keep: np.ndarray) -> pa.Array:
    if keep.all():
        return arr
    return pc.if_else(pa.array(keep), arr, pa.scalar(None, arr.type))


def _as_string(arr: pa.Array) -> pa.Array:
    return arr if arr.type == pa.string() else arr.cast(pa.string())


def _py_text(value: object) -> str | None:
    """Canonical JSON text of one converted value, without the quotes of a JSON string."""
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bool, int)):
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return json.dumps(value, ensure_ascii=False)[1:-1]


# ---------------------------------------------------------------------------
# Fast paths, one per data type: (spec, arr, offsets, data, present) -> _Fast
# ---------------------------------------------------------------------------


def _fast_text(
    spec: ItemSpec, arr: pa.Array, offsets: np.ndarray, data: np.ndarray, present: np.ndarray
) -> _Fast:
    """C and M: no forbidden control character, C within its length. Accepted values can hold no control
    character but tab and newline (M), so JSON-escaping them takes four replacements."""
    special = rows_with_bytes(offsets, data, json_special)
    fast = present.copy()
    if special.any():
        if spec.data_type == "C":
            ctrl = rows_with_bytes(offsets, data, ctrl_c)
        else:
            ctrl = rows_with_bytes(offsets, data, ctrl_m)
        fast &= ~ctrl
    if spec.data_type == "C" and spec.length is not None:
        long = fast & (np.diff(offsets) > spec.length)
        if long.any():
            chars = pc.utf8_length(arr).to_numpy(zero_copy_only=False)
            fast &= ~long | (chars <= spec.length)
    values = _nulls_where(arr, fast)
    text = values
    if (special & fast).any():
        for char, escaped in _JSON_ESCAPES:
            text = pc.replace_substring(text, char, escaped)
    return _Fast(fast, values, text)


_JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\t", "\\t"))


def _cast_where(arr: pa.Array, fast: np.ndarray, to: pa.DataType) -> np.ndarray:
    clean = arr if fast.all() else pc.if_else(pa.array(fast), arr, pa.scalar("0", arr.type))
    return pc.cast(clean, to).to_numpy(zero_copy_only=False)


def _fast_int(
    spec: ItemSpec, arr: pa.Array, offsets: np.ndarray, data: np.ndarray, present: np.ndarray
) -> _Fast:
    """I: -?[0-9]{1,18}."""
    shape = decimal_shape(offsets, data)
    fast = present & shape.ok & ~shape.dot & (shape.int_digits <= 18)
    values = pa.array(_cast_where(arr, fast, pa.int64()), pa.int64(), mask=~fast)
    return _Fast(fast, values, pc.cast(values, pa.string()))


def _fast_money(
    spec: ItemSpec, arr: pa.Array, offsets: np.ndarray, data: np.ndarray, present: np.ndarray
) -> _Fast:
    """Y: -?[0-9]{1,16}(\\.[0-9]{1,2})? -> fen."""
    shape = decimal_shape(offsets, data)
    fast = present & shape.ok & (shape.int_digits <= 16) & (shape.frac_digits <= 2)
    digits = pc.replace_substring(arr, ".", "") if shape.dot.any() else arr
    scale = np.array([100, 10, 1], np.int64)[shape.frac_digits.clip(0, 2)]
    fen = _cast_where(digits, fast, pa.int64()) * scale
    values = pa.array(fen, pa.int64(), mask=~fast)
    return _Fast(fast, values, pc.cast(values, pa.string()))


def _fast_number(
    spec: ItemSpec, arr: pa.Array, offsets: np.ndarray, data: np.ndarray, present: np.ndarray
) -> _Fast:
    """N: values already in canonical form (no leading or trailing zeros, no "-0") within the digit cap."""
    shape = decimal_shape(offsets, data)
    n = len(offsets) - 1
    lens, starts = np.diff(offsets), offsets[:-1]
    head = np.zeros(n, np.uint8)  # first digit
    last = np.zeros(n, np.uint8)
    rows = np.flatnonzero(shape.ok)
    head[rows] = data[starts[rows] + shape.minus[rows]]
    last[rows] = data[offsets[1:][rows] - 1]
    int_zero = (head == _DIGIT) & (shape.int_digits == 1)
    lead_ok = shape.ok & ((head != _DIGIT) | int_zero)
    canonical = lead_ok & ~(shape.dot & (last == _DIGIT)) & ~(int_zero & shape.minus & ~shape.dot)
    dot = shape.dot
    # Trailing fractional zeros ("0.10", "12.0") are common in files: strip them here ("0.1", "12"); a
    # value that strips to zero ("0.00", "-0.0") is left to the row converter.
    trailing = lead_ok & shape.dot & (last == _DIGIT)
    if trailing.any():
        stripped = pc.replace_substring_regex(pc.replace_substring_regex(arr, r"0+$", ""), r"\.$", "")
        zero = pc.fill_null(pc.is_in(stripped, value_set=pa.array(["0", "-0"])), True).to_numpy(
            zero_copy_only=False)
        use = trailing & ~zero
        arr = pc.if_else(pa.array(use), stripped, arr)
        lens = np.where(use, pc.fill_null(pc.utf8_length(arr), 0).to_numpy(zero_copy_only=False), lens)
        dot = np.where(use, pc.fill_null(pc.match_substring(arr, "."), False).to_numpy(zero_copy_only=False), dot)
        canonical |= use
    digit_count = lens - shape.minus - dot - (dot & int_zero)
    fast = present & canonical & (digit_count <= (spec.length or 65))
    values = _nulls_where(arr, fast)
    return _Fast(fast, values, values)


def _fast_float(
    spec: ItemSpec, arr: pa.Array, offsets: np.ndarray, data: np.ndarray, present: np.ndarray
) -> _Fast:
    """B, F: -?[0-9]+(\\.[0-9]+)? with a finite value; the text (float repr) is made in Python."""
    fast = present & decimal_shape(offsets, data).ok
    floats = _cast_where(arr, fast, pa.float64())
    fast &= np.isfinite(floats)
    values = pa.array(floats, pa.float64(), mask=~fast)
    return _Fast(fast, values, pa.nulls(len(arr), pa.string()), fast)


def _fast_bool(
    spec: ItemSpec, arr: pa.Array, offsets: np.ndarray, data: np.ndarray, present: np.ndarray
) -> _Fast:
    """L: the usual spellings of true/false/1/0/是/否/Y/N."""
    index = pc.fill_null(pc.index_in(arr, value_set=_BOOL_SET), -1).to_numpy(zero_copy_only=False)
    fast = present & (index >= 0)
    values = pa.array(_BOOL_VALUE[index], pa.bool_(), mask=~fast)
    return _Fast(fast, values, pc.if_else(values, "true", "false"))


def _fast_date(
    spec: ItemSpec, arr: pa.Array, offsets: np.ndarray, data: np.ndarray, present: np.ndarray
) -> _Fast:
    """D: YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD with a real date."""
    fast, days, (y, m, d), iso = parse_dates(offsets, data, present)
    values = pa.array(days.astype(np.int32), pa.int32(), mask=~fast).cast(pa.date32())
    if (fast & ~iso).any():
        return _Fast(fast, values, format_fixed([(y, 4), b"-", (m, 2), b"-", (d, 2)], fast))
    return _Fast(fast, values, _nulls_where(arr, fast))  # already written as date.isoformat() writes it


def _fast_datetime(
    spec: ItemSpec, arr: pa.Array, offsets: np.ndarray, data: np.ndarray, present: np.ndarray
) -> _Fast:
    """T: YYYY-MM-DD[T ]HH:MM[:SS[.fff|.ffffff]] with no zone (Asia/Shanghai, from 1992), Z or ±HH:MM."""
    fast, micros = parse_datetimes(offsets, data, present)
    values = pa.array(micros, pa.int64(), mask=~fast).cast(OUTPUT_TYPES["T"])
    text, fraction = utc_isoformat(micros, fast)
    return _Fast(fast, values, text, fraction)


def _fast_none(
    spec: ItemSpec, arr: pa.Array, offsets: np.ndarray, data: np.ndarray, present: np.ndarray
) -> _Fast:
    """G (base64 blobs): rare in files, always checked row by row."""
    n = len(arr)
    return _Fast(np.zeros(n, bool), pa.nulls(n, OUTPUT_TYPES[spec.data_type]), pa.nulls(n, pa.string()))


_FAST = {
    "C": _fast_text, "M": _fast_text, "N": _fast_number, "Y": _fast_money, "I": _fast_int, "D": _fast_date,
    "T": _fast_datetime, "L": _fast_bool, "B": _fast_float, "F": _fast_float, "G": _fast_none,
}


# ---------------------------------------------------------------------------
# The validator
# ---------------------------------------------------------------------------


class ColumnarValidator:
    """Checks a whole file's columns against the information items; see the module docstring."""

    def __init__(self, items: list[ItemSpec]) -> None:
        self.items = list(items)
        Validator(self.items)  # the same build-time checks: duplicate codes, unknown data types
        self._single = {spec.field_code: Validator([spec]) for spec in self.items}
        self._missing = {
            spec.field_code: next(iter(self._single[spec.field_code].check({}).problems), None)
            for spec in self.items
        }
        self._id_kind = {spec.field_code: self._identifier_kind(spec) for spec in self.items}
        self._key_codes = [spec.field_code for spec in self.items if spec.is_key]
        codes = sorted(spec.field_code for spec in self.items)
        self._json_keys = [(code, json.dumps(code, ensure_ascii=False)) for code in codes]

    def _identifier_kind(self, spec: ItemSpec) -> str | None:
        """Which identifier check the row-wise validator runs on this item, learnt by asking it about "0"
        (which no identifier check accepts): the code of its finding, or None."""
        if spec.data_type not in ("C", "M"):
            return None
        result = self._single[spec.field_code].check({spec.field_code: "0"})
        findings = [p.code for p in result.problems + result.warnings if p.code != "too_long"]
        return findings[0] if findings else None

    def check(self, columns: Mapping[str, pa.Array], n_rows: int) -> ColumnarResult:
        """Check ``n_rows`` rows given as raw text columns (pa.string or pa.large_string, nulls and "" for no
        value) keyed by field code; an item without a column has no values. Columns of other names are not
        looked at: refusing fields beyond the registered items is the mapping step's job."""
        arrays = {}
        for spec in self.items:
            arr = columns.get(spec.field_code)
            if arr is None:
                arr = pa.nulls(n_rows, pa.string())
            elif isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            if len(arr) != n_rows:
                raise ValueError(f"column {spec.field_code!r} has {len(arr)} rows, expected {n_rows}")
            arrays[spec.field_code] = arr
        chunks = [
            self._check_chunk({c: _as_string(a.slice(start, CHUNK_ROWS)) for c, a in arrays.items()}, start,
                              min(CHUNK_ROWS, n_rows - start))
            for start in range(0, n_rows, CHUNK_ROWS)
        ] or [self._check_chunk({c: _as_string(a) for c, a in arrays.items()}, 0, 0)]
        if len(chunks) == 1:
            return chunks[0]
        result = ColumnarResult(
            ok=np.concatenate([c.ok for c in chunks]),
            columns={code: pa.concat_arrays([c.columns[code] for c in chunks]) for code in arrays},
            keys=pa.concat_arrays([c.keys for c in chunks]),
            hashes=[h for c in chunks for h in c.hashes],
        )
        for c in chunks:
            result.problems.update(c.problems)
            result.warnings.update(c.warnings)
        return result

    def _column(self, spec: ItemSpec, arr: pa.Array) -> tuple[_Fast, np.ndarray, np.ndarray, dict, dict]:
        """One column chunk: converted values and JSON text, the rows with no value, the rows checked row by
        row (whose text is left out unless the item is a key: their rows are hashed in Python), and the
        findings of those rows."""
        code, data_type = spec.field_code, spec.data_type
        offsets, data = byte_view(arr)
        present = np.diff(offsets) > 0
        if arr.null_count:
            present &= arr.is_valid().to_numpy(zero_copy_only=False)
        out = _FAST[data_type](spec, arr, offsets, data, present)
        fast = out.fast
        kind = self._id_kind[code]
        if kind is not None and fast.any():
            rows = np.flatnonzero(fast)
            accept = ID_CHECKS.get(kind)
            fast[rows if accept is None else rows[~accept(offsets, data, rows)]] = False
        problems: dict[int, RowProblem] = {}
        warnings: dict[int, RowProblem] = {}
        texts: dict[int, str | None] = {}
        slow = np.flatnonzero(present & ~fast)
        if len(slow):
            single, slow_values = self._single[code], []
            for row, raw in zip(slow.tolist(), arr.take(pa.array(slow)).to_pylist()):
                result = single.check({code: raw})
                if result.warnings:
                    warnings[row] = result.warnings[0]
                value = None
                if result.problems:
                    problems[row] = result.problems[0]
                else:
                    value = result.values[code]
                slow_values.append(value)
                if spec.is_key:
                    texts[row] = _py_text(value)
            if data_type in ("C", "M"):  # an accepted text value is the raw value itself
                keep = fast.copy()
                keep[[row for row, value in zip(slow.tolist(), slow_values) if value is not None]] = True
                out.values = _nulls_where(arr, keep)
            else:
                mask = np.zeros(len(arr), bool)
                mask[slow] = True
                out.values = pc.replace_with_mask(
                    out.values, pa.array(mask), pa.array(slow_values, OUTPUT_TYPES[data_type])
                )
        if out.fix is not None:
            fix = np.flatnonzero(out.fix & fast)
            for row, value in zip(fix.tolist(), out.values.take(pa.array(fix)).to_pylist()):
                texts[row] = _py_text(value)
        if texts:
            mask = np.zeros(len(arr), bool)
            rows = sorted(texts)
            mask[rows] = True
            patch = pa.array([texts[r] for r in rows], pa.string())
            out.text = pc.replace_with_mask(out.text, pa.array(mask), patch)
        return out, ~present, slow, problems, warnings

    def _check_chunk(self, arrays: dict[str, pa.Array], start: int, n: int) -> ColumnarResult:
        ok, by_row = np.ones(n, bool), np.zeros(n, bool)
        columns: dict[str, _Fast] = {}
        found: dict[int, list[RowProblem]] = {}
        warned: dict[int, list[RowProblem]] = {}
        for spec in self.items:  # item order, so each row's problems come in the row-wise order
            code = spec.field_code
            out, missing, slow, problems, warnings = self._column(spec, arrays[code])
            columns[code] = out
            by_row[slow] = True
            lacking = self._missing[code]
            if lacking is not None and missing.any():
                rows = np.flatnonzero(missing)
                ok[rows] = False
                for row in rows.tolist():
                    found.setdefault(row, []).append(lacking)
            for row, problem in problems.items():
                ok[row] = False
                found.setdefault(row, []).append(problem)
            for row, warning in warnings.items():
                warned.setdefault(row, []).append(warning)
        values = {code: _nulls_where(out.values, ok) for code, out in columns.items()}
        return ColumnarResult(
            ok=ok,
            columns=values,
            keys=self._keys(columns, ok, n),
            hashes=self._hashes(columns, values, ok & ~by_row, ok & by_row),
            problems={start + row: found[row] for row in sorted(found)},
            warnings={start + row: warned[row] for row in sorted(warned)},
        )

    def _keys(self, columns: dict[str, _Fast], ok: np.ndarray, n: int) -> pa.Array:
        """Record keys as ``validation._key_part`` joins them: parts escaped for ``|`` and ``\\``."""
        if not self._key_codes:
            return pa.nulls(n, pa.string())
        parts = []
        for spec in self.items:
            if not spec.is_key:
                continue
            out = columns[spec.field_code]
            if spec.data_type in ("C", "M"):
                part = out.values
            elif spec.data_type == "L":
                part = pc.if_else(out.values, "1", "0")
            else:
                part = out.text
            offsets, data = byte_view(part)
            if ((data[offsets[0]: offsets[-1]] == 124) | (data[offsets[0]: offsets[-1]] == 92)).any():
                part = pc.replace_substring(pc.replace_substring(part, "\\", "\\\\"), "|", "\\|")
            parts.append(part)
        keys = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "|")
        return _nulls_where(keys, ok)

    def _hashes(self, columns: dict[str, _Fast], values: dict[str, pa.Array], fast: np.ndarray,
                by_row: np.ndarray) -> list[str | None]:
        """``content_hash`` of every accepted row: from its canonical JSON text built column by column where
        all its values came by the fast paths (``fast``), else (``by_row``) by ``content_hash`` itself."""
        n = len(fast)
        hashes: list[str | None] = [None] * n
        rows = np.flatnonzero(by_row)
        if len(rows):
            take = pa.array(rows)
            lists = {code: arr.take(take).to_pylist() for code, arr in values.items()}
            for j, row in enumerate(rows.tolist()):
                hashes[row] = content_hash({code: lists[code][j] for code in lists})
        parts: list[pa.Array | pa.Scalar] = []
        literal = "{"
        for i, (code, key_json) in enumerate(self._json_keys):
            literal += ("," if i else "") + key_json + ":"
            text = columns[code].text
            quoted = self._single[code].items[0].data_type in _QUOTED
            nulls = np.zeros(n, bool)
            if text.null_count:
                nulls = fast & text.is_null().to_numpy(zero_copy_only=False)
            if nulls.sum() == fast.sum():
                literal += "null"
            elif not nulls.any():
                parts += [pa.scalar(literal + ('"' if quoted else "")), text]
                literal = '"' if quoted else ""
            else:
                if quoted:
                    text = pc.binary_join_element_wise('"', text, '"', "")
                parts += [pa.scalar(literal), pc.fill_null(text, "null")]
                literal = ""
        parts.append(pa.scalar(literal + "}"))
        rows = np.flatnonzero(fast)
        if len(parts) == 1:
            digests = sm3_hexdigests(pa.array([literal + "}"]), np.ones(1, bool)) * len(rows)
        else:
            digests = sm3_hexdigests(pc.binary_join_element_wise(*parts, ""), fast)
        if len(rows) == n:
            return digests
        for row, digest in zip(rows.tolist(), digests):
            hashes[row] = digest
        return hashes

"""Byte-level parts of the columnar validator (AGG-4): byte classes, shapes of decimals, dates and times,
the vectorised identifier checks (GB 11643, GB 32100, mobile numbers, Luhn), and SM3 over many rows.

Everything here works on the raw UTF-8 bytes of an arrow string array: ``offsets`` (``n + 1`` int64
positions into ``data``) and ``data`` (uint8). Fixed-width shapes (dates, times, resident ID numbers, credit
codes, mobile numbers) are viewed as a ``(rows, width)`` byte matrix and checked column by column.

Every check here only ever *accepts*: it marks the rows whose value is certainly valid (and converts them)
under the rules of :mod:`govdata.aggregation.validation` and :mod:`govdata.core.validators`; every other row
goes back to the row-wise check, which gives the exact message. So a check here may be stricter than the
real one, never looser.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import compress, repeat

import numpy as np
import pyarrow as pa

from govdata.core.crypto import sm3_hex
from govdata.core.validators import (
    CREDIT_CODE_AUTHORITIES,
    CREDIT_CODE_CHARSET,
    CREDIT_CODE_WEIGHTS,
    ORG_CODE_WEIGHTS,
    RESIDENT_ID_CHECK_CHARS,
    RESIDENT_ID_WEIGHTS,
)

__all__ = [
    "ID_CHECKS",
    "DecimalShape",
    "byte_view",
    "Fixed",
    "civil_days",
    "ctrl_c",
    "ctrl_m",
    "decimal_shape",
    "format_fixed",
    "json_special",
    "parse_dates",
    "parse_datetimes",
    "row_of",
    "rows_with_bytes",
    "sm3_hexdigests",
    "utc_isoformat",
]

_ZERO = ord("0")
_ZERO_U8, _MINUS, _DOT = np.uint8(_ZERO), ord("-"), ord(".")
_US = 1_000_000
_EARLIEST_BIRTH_YEAR = 1850  # as in govdata.core.validators.resident_id_error


def byte_view(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """``(offsets, data)`` of a (large) string or binary array; ``offsets`` has ``len(arr) + 1`` entries."""
    bufs = arr.buffers()
    large = pa.types.is_large_string(arr.type) or pa.types.is_large_binary(arr.type)
    if bufs[1] is None:
        offsets = np.zeros(len(arr) + 1, np.int64)
    else:
        raw = np.frombuffer(bufs[1], np.int64 if large else np.int32)
        offsets = raw[arr.offset: arr.offset + len(arr) + 1].astype(np.int64)
    data = np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    return offsets, data


def row_of(offsets: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The row of each byte position (positions within ``offsets[0]:offsets[-1]``, ascending)."""
    if len(positions) * 8 > offsets[-1] - offsets[0]:  # dense: a row number per byte is cheaper
        owner = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        return owner[positions - offsets[0]]
    return np.searchsorted(offsets, positions, side="right") - 1


def rows_with_bytes(
    offsets: np.ndarray, data: np.ndarray, bad: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Boolean per row: whether any byte of the row satisfies ``bad`` (a vectorised byte predicate;
    comparisons beat a lookup table here, as numpy runs them with SIMD)."""
    n = len(offsets) - 1
    flags = np.zeros(n, bool)
    lo, hi = int(offsets[0]), int(offsets[-1])
    if n == 0 or hi <= lo:
        return flags
    positions = np.flatnonzero(bad(data[lo:hi])) + lo
    if len(positions):
        flags[row_of(offsets, positions)] = True
    return flags


# Bytes that value_types.py's _CTRL_C and _CTRL_M refuse (UTF-8 never uses 0-127 inside a multi-byte
# character), and those that json.dumps escapes or that are refused anyway.
def ctrl_c(b: np.ndarray) -> np.ndarray:
    return (b < 32) | (b == 127)


def ctrl_m(b: np.ndarray) -> np.ndarray:
    return ((b < 32) & (b != 9) & (b != 10)) | (b == 127)


def json_special(b: np.ndarray) -> np.ndarray:
    return (b < 32) | (b == 34) | (b == 92) | (b == 127)


def sm3_hexdigests(texts: pa.Array, selected: np.ndarray) -> list[str]:
    """SM3 hex digest of the UTF-8 bytes of each ``selected`` row, through OpenSSL (hashlib); the per-row
    work stays in C (``compress`` and ``map`` over the hash methods), which matters at a million rows."""
    rows = texts.cast(pa.binary()).to_pylist()
    if not selected.all():
        rows = list(compress(rows, selected.tolist()))
    try:
        base = hashlib.new("sm3")
    except ValueError:  # pragma: no cover - OpenSSL built without SM3
        return [sm3_hex(b) for b in rows]
    kind = type(base)
    hashes = list(map(kind.copy, repeat(base, len(rows))))
    deque(map(kind.update, hashes, rows), maxlen=0)
    return list(map(kind.hexdigest, hashes))


class Fixed:
    """The bytes of some rows that all have the same byte length, as a ``(rows, width)`` uint8 matrix (most
    fixed-width shapes are digits and a few separators)."""

    def __init__(self, offsets: np.ndarray, data: np.ndarray, rows: np.ndarray, width: int) -> None:
        n = len(offsets) - 1
        if len(rows) == n and n and offsets[-1] - offsets[0] == n * width:  # every row: one contiguous slice
            start = int(offsets[0])
            self.m = data[start: start + n * width].reshape(n, width)
        else:
            self.m = data[offsets[rows][:, None] + np.arange(width)]
        self.width = width
        self.non_digits = (self.m - _ZERO_U8) > 9

    def digits(self, start: int, stop: int) -> np.ndarray:
        """The number written in columns ``start:stop`` (meaningless for rows with non-digits there)."""
        value = self.m[:, start].astype(np.int64) - _ZERO
        for col in range(start + 1, stop):
            value = value * 10 + self.m[:, col] - _ZERO
        return value

    def digits_except(self, allowed: dict[int, bytes], *, required: bool = False) -> np.ndarray:
        """Per row: whether every byte is a digit, except in the columns of ``allowed``, where the byte may
        instead be one of the given characters (and, if ``required``, must be)."""
        n = len(self.m)
        table = np.zeros((self.width, 256), bool)
        for col, chars in allowed.items():
            table[col, np.frombuffer(chars, np.uint8)] = True
        found = np.count_nonzero(self.non_digits)
        if required:  # the usual case first: every separator in place and no other non-digit anywhere
            ok = np.ones(n, bool)
            for col in allowed:
                ok &= table[col, self.m[:, col]]
            if found == len(allowed) * n and ok.all():
                return ok
        elif not found:
            return np.ones(n, bool)
        rows, cols = np.divmod(np.flatnonzero(self.non_digits), self.width)
        ok = np.ones(n, bool)
        ok[rows[~table[cols, self.m[rows, cols]]]] = False
        if required:
            ok &= np.bincount(rows, minlength=n) == len(allowed)
        return ok


_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)


def civil_days(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(days since 1970-01-01, valid)`` for proleptic Gregorian dates with year 1-9999 (as ``date``)."""
    valid = (y >= 1) & (y <= 9999) & (m >= 1) & (m <= 12) & (d >= 1)
    m = np.where(valid, m, 1)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    valid &= d <= _MONTH_DAYS[m] + (leap & (m == 2))
    # days_from_civil (H. Hinnant): March-based years so that the leap day ends the year.
    y = np.where(valid, y, 1970) - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + np.where(valid, d, 1) - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468, valid


_TENS = np.array([_ZERO + k // 10 for k in range(100)], np.uint8)
_UNITS = np.array([_ZERO + k % 10 for k in range(100)], np.uint8)


def format_fixed(parts: list[tuple[np.ndarray, int] | bytes], valid: np.ndarray) -> pa.Array:
    """A pa.string() array of fixed-width ASCII rows, null where not ``valid``: each part is ``(ints, width)``
    (non-negative, zero-padded) or a literal. Written one byte column at a time."""
    n = len(valid)
    width = sum(p[1] if isinstance(p, tuple) else len(p) for p in parts)
    out = np.empty((n, width), np.uint8)
    col = 0
    for part in parts:
        if isinstance(part, tuple):
            values, w = part
            v = np.asarray(values, np.int64)
            for k in range(w - 1, -1, -2):  # two digits at a time, from the right
                pair = v % 100
                out[:, col + k] = _UNITS[pair]
                if k:
                    out[:, col + k - 1] = _TENS[pair]
                v = v // 100
            col += w
        else:
            for byte in part:
                out[:, col] = byte
                col += 1
    offsets = np.arange(n + 1, dtype=np.int32) * width
    bitmap = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(pa.string(), n, [bitmap, pa.py_buffer(offsets), pa.py_buffer(out)])


# ---------------------------------------------------------------------------
# Shapes of decimals, dates and times
# ---------------------------------------------------------------------------


@dataclass
class DecimalShape:
    """Per row: whether the bytes are ``-?[0-9]+(\\.[0-9]+)?``, and where the parts are."""

    ok: np.ndarray
    minus: np.ndarray
    dot: np.ndarray
    int_digits: np.ndarray
    frac_digits: np.ndarray


def decimal_shape(offsets: np.ndarray, data: np.ndarray) -> DecimalShape:
    """Where each row's digits, sign and decimal point are (see :class:`DecimalShape`)."""
    n = len(offsets) - 1
    lens, starts = np.diff(offsets), offsets[:-1]
    nonempty = lens > 0
    first = np.zeros(n, np.uint8)
    first[nonempty] = data[starts[nonempty]]
    minus = first == _MINUS
    lo, hi = int(offsets[0]), int(offsets[-1])
    pos = np.flatnonzero((data[lo:hi] - _ZERO_U8) > 9) + lo
    rows = row_of(offsets, pos)
    byte = data[pos]
    is_dot = byte == _DOT
    bad = np.zeros(n, bool)
    bad[rows[~is_dot & ~((byte == _MINUS) & (pos == starts[rows]))]] = True
    dot_rows = rows[is_dot]
    dots = np.bincount(dot_rows, minlength=n)
    dot_at = np.zeros(n, np.int64)
    dot_at[dot_rows] = pos[is_dot] - starts[dot_rows]
    dot = dots == 1
    int_digits = np.where(dot, dot_at, lens) - minus
    frac_digits = np.where(dot, lens - dot_at - 1, 0)
    ok = nonempty & ~bad & (dots <= 1) & (int_digits >= 1) & (~dot | (frac_digits >= 1))
    return DecimalShape(ok, minus, dot, int_digits, frac_digits)


def parse_dates(
    offsets: np.ndarray, data: np.ndarray, present: np.ndarray
) -> tuple[np.ndarray, np.ndarray, tuple, np.ndarray]:
    """``(ok, days since 1970-01-01, (year, month, day), iso)`` of YYYY-MM-DD, YYYY/MM/DD and YYYYMMDD values
    that are real dates (``ok`` False for every other row); ``iso``: the value is written YYYY-MM-DD."""
    n = len(offsets) - 1
    lens = np.diff(offsets)
    y, m, d = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64)
    fast, iso = np.zeros(n, bool), np.zeros(n, bool)
    for width, cuts in ((10, (0, 4, 5, 7, 8, 10)), (8, (0, 4, 4, 6, 6, 8))):
        rows = np.flatnonzero(present & (lens == width))
        if not len(rows):
            continue
        f = Fixed(offsets, data, rows, width)
        y[rows], m[rows], d[rows] = f.digits(*cuts[:2]), f.digits(*cuts[2:4]), f.digits(*cuts[4:])
        if width == 10:
            fast[rows] = f.digits_except({4: b"-/", 7: b"-/"}, required=True) & (f.m[:, 4] == f.m[:, 7])
            iso[rows] = f.m[:, 4] == _MINUS
        else:
            fast[rows] = f.digits_except({})
    days, valid = civil_days(y, m, d)
    fast &= valid
    return fast, days, (y, m, d), iso


# T layouts: width of the date and time part, has seconds, fraction digits; then the zone: none, Z, ±HH:MM.
_TIME_BASES = ((16, False, 0), (19, True, 0), (23, True, 3), (26, True, 6))
_TIME_SEPARATORS = {4: b"-", 7: b"-", 10: b"T ", 13: b":", 16: b":", 19: b"."}


def parse_datetimes(
    offsets: np.ndarray, data: np.ndarray, present: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(ok, microseconds since the epoch, UTC)`` of YYYY-MM-DD[T ]HH:MM[:SS[.fff|.ffffff]] values with no
    zone (read as Asia/Shanghai time, which is a fixed UTC+8 from 1992 on), ``Z`` or ``±HH:MM``, as
    ``datetime.fromisoformat`` reads them; years are kept within 1992/2-9998 so that no value overflows."""
    n = len(offsets) - 1
    lens = np.diff(offsets)
    micros = np.zeros(n, np.int64)
    fast = np.zeros(n, bool)
    for base, has_sec, frac in _TIME_BASES:
        for zone in ("", "Z", "+00:00"):
            rows = np.flatnonzero(present & (lens == base + len(zone)))
            if not len(rows):
                continue
            f = Fixed(offsets, data, rows, base + len(zone))
            allowed = {col: chars for col, chars in _TIME_SEPARATORS.items() if col < base}
            if zone == "Z":
                allowed[base] = b"Z"
            elif zone:
                allowed.update({base: b"+-", base + 3: b":"})
            ok = f.digits_except(allowed, required=True)
            year, hour, minute = f.digits(0, 4), f.digits(11, 13), f.digits(14, 16)
            second = f.digits(17, 19) if has_sec else 0
            fraction = f.digits(20, 20 + frac) * 10 ** (6 - frac) if frac else 0
            ok &= (hour < 24) & (minute < 60) & (second < 60) & (year <= 9998)
            if zone == "":
                offset = 8 * 3600
                ok &= year >= 1992  # Asia/Shanghai has been a fixed UTC+8 since September 1991
            elif zone == "Z":
                offset = 0
                ok &= year >= 2
            else:
                zone_h, zone_m = f.digits(base + 1, base + 3), f.digits(base + 4, base + 6)
                ok &= (zone_h < 24) & (zone_m < 60) & (year >= 2)
                offset = np.where(f.m[:, base] == _MINUS, -1, 1) * (zone_h * 3600 + zone_m * 60)
            days, valid = civil_days(year, f.digits(5, 7), f.digits(8, 10))
            ok &= valid
            micros[rows] = (days * 86400 + hour * 3600 + minute * 60 + second - offset) * _US + fraction
            fast[rows] = ok
    micros[~fast] = 0
    return fast, micros


def utc_isoformat(micros: np.ndarray, valid: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """``datetime.isoformat`` of aware UTC datetimes for the rows with whole seconds, and the mask of the
    rows with a fraction of a second (whose text the caller makes)."""
    seconds, fraction = np.divmod(micros, _US)
    days, second_of_day = np.divmod(seconds, 86400)
    year, month, day = _civil_from_days(days)
    text = format_fixed(
        [
            (year, 4), b"-", (month, 2), b"-", (day, 2), b"T", (second_of_day // 3600, 2), b":",
            (second_of_day // 60 % 60, 2), b":", (second_of_day % 60, 2), b"+00:00",
        ],
        valid,
    )
    return text, valid & (fraction != 0)


def _civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """civil_from_days (H. Hinnant): year, month, day of days since 1970-01-01."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, day


# ---------------------------------------------------------------------------
# Identifier checks: (offsets, data, candidate rows) -> bool per candidate row, True = certainly valid.
# ---------------------------------------------------------------------------


def _of_width(
    offsets: np.ndarray, data: np.ndarray, rows: np.ndarray, width: int
) -> tuple[np.ndarray, Fixed]:
    """``(position in rows, bytes)`` of the candidate rows whose byte length is ``width``."""
    pick = np.flatnonzero(offsets[rows + 1] - offsets[rows] == width)
    return pick, Fixed(offsets, data, rows[pick], width)


def _resident_id_ok(offsets: np.ndarray, data: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """GB 11643-1999: [1-9] + 16 digits + digit or X, real birth date in [1850, today], check character."""
    ok = np.zeros(len(rows), bool)
    pick, f = _of_width(offsets, data, rows, 18)
    total = f.m[:, :17].astype(np.int64) @ _ID_WEIGHTS - _ZERO * _ID_WEIGHT_SUM  # integer matmul: no BLAS
    good = f.digits_except({17: b"X"}) & (f.m[:, 0] != _ZERO)
    good &= f.m[:, 17] == _ID_CHECK_CHARS[total % 11]
    year = f.digits(6, 10)
    days, valid = civil_days(year, f.digits(10, 12), f.digits(12, 14))
    today = (date.today() - date(1970, 1, 1)).days
    ok[pick] = good & valid & (year >= _EARLIEST_BIRTH_YEAR) & (days <= today)
    return ok


_ID_WEIGHTS = np.array(RESIDENT_ID_WEIGHTS, np.int64)
_ID_WEIGHT_SUM = sum(RESIDENT_ID_WEIGHTS)
_ID_CHECK_CHARS = np.frombuffer(RESIDENT_ID_CHECK_CHARS.encode("ascii"), np.uint8)
_CREDIT_VALUE = np.full(256, -1, np.int64)
for _i, _ch in enumerate(CREDIT_CODE_CHARSET):
    _CREDIT_VALUE[ord(_ch)] = _i
_ORG_VALUE = np.full(256, -1, np.int64)  # 0-9 -> 0-9, A-Z -> 10-35 (GB 11714)
for _i in range(10):
    _ORG_VALUE[_ZERO + _i] = _i
for _i in range(26):
    _ORG_VALUE[ord("A") + _i] = 10 + _i
_AUTHORITY = np.zeros(256, bool)
_AUTHORITY[[ord(c) for c in CREDIT_CODE_AUTHORITIES]] = True
_ORG_CHECK = np.frombuffer(b"0123456789X0", np.uint8)  # index 11 - total % 11 (1..11); 10 -> X, 11 -> 0
_CREDIT_CHARS = np.frombuffer(CREDIT_CODE_CHARSET.encode("ascii"), np.uint8)


def _credit_code_ok(offsets: np.ndarray, data: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """GB 32100-2015: charset, authority, 6-digit division code, GB 11714 check, GB 32100 check character."""
    ok = np.zeros(len(rows), bool)
    pick, f = _of_width(offsets, data, rows, 18)
    values = _CREDIT_VALUE[f.m]
    good = (values >= 0).all(axis=1) & _AUTHORITY[f.m[:, 0]]
    good &= ((f.m[:, 2:8] >= _ZERO) & (f.m[:, 2:8] <= _ZERO + 9)).all(axis=1)
    org_total = _ORG_VALUE[f.m[:, 8:16]] @ np.array(ORG_CODE_WEIGHTS, np.int64)
    good &= f.m[:, 16] == _ORG_CHECK[11 - org_total % 11]
    total = values[:, :17] @ np.array(CREDIT_CODE_WEIGHTS, np.int64)
    good &= f.m[:, 17] == _CREDIT_CHARS[(31 - total % 31) % 31]
    ok[pick] = good
    return ok


def _mobile_ok(offsets: np.ndarray, data: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """1[3-9] followed by 9 digits, nothing else."""
    ok = np.zeros(len(rows), bool)
    pick, f = _of_width(offsets, data, rows, 11)
    ok[pick] = f.digits_except({}) & (f.m[:, 0] == ord("1")) & (f.m[:, 1] >= ord("3"))
    return ok


def _bank_card_ok(offsets: np.ndarray, data: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """12-19 ASCII digits passing the Luhn check."""
    ok = np.zeros(len(rows), bool)
    for width in range(12, 20):
        pick, f = _of_width(offsets, data, rows, width)
        if not len(pick):
            continue
        d = f.m.astype(np.int64) - _ZERO
        doubled = d[:, width - 2::-2] * 2  # every second digit from the right, starting at the second
        total = d[:, width - 1::-2].sum(axis=1) + (doubled - 9 * (doubled > 9)).sum(axis=1)
        ok[pick] = f.digits_except({}) & (total % 10 == 0)
    return ok


#: Identifier kind (see ColumnarValidator) -> vectorised acceptance check.
ID_CHECKS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
    "invalid_id_number": _resident_id_ok,
    "invalid_credit_code": _credit_code_ok,
    "invalid_mobile": _mobile_ok,
    "luhn_failed": _bank_card_ok,
}

"""The one writer of cells for every CSV and XLSX the platform hands out (rejection reports, catalog export and
template, collection template, data service exports): no cell reaches a spreadsheet as something it would run.

A spreadsheet runs a cell as a formula when its text starts with ``=``, ``+``, ``-`` or ``@`` (some also
when a tab or carriage return, which they trim, comes first), which lets text typed by one department — a
name, a summary, a column header, a rejected value — call ``HYPERLINK`` or DDE (``=cmd|' /C calc'!A0``) on
the computer of whoever opens the file. Following OWASP's CSV injection advice, such text gets a single quote in front: a
spreadsheet shows it as text, quote included, and never evaluates it. The rule goes by the cell's type:

* text (``str``) starting with one of :data:`FORMULA_START` gets the quote — unless it is a plain number
  (``-12.5``, ``+3``, ``1e-5``): a spreadsheet reading it as a formula gets that same number, so nothing can
  run, and a signed amount stays readable;
* numbers (``int``, ``float``, ``Decimal``), dates, times and booleans are values, not text: in XLSX they stay
  typed cells (a negative amount is a number, not text), in CSV they are written as they print;
* anything else is written as its text, by the text rule.

The same text rule holds in CSV and XLSX (an XLSX text cell is never run as it is, but it is once someone
edits it or saves the sheet as CSV). Importers of the platform's own workbooks undo the quote with
:func:`restore_text`, so an exported catalog imports back to the same content.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

__all__ = ["FORMULA_START", "CsvWriter", "csv_cell", "is_plain_number", "restore_text", "safe_text", "stream_csv",
           "xlsx_cell", "xlsx_row"]

#: First characters that make a spreadsheet evaluate a cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NUMERIC = (int, float, Decimal)


def is_plain_number(text: str) -> bool:
    """True for a decimal number and nothing else (``-12.5``, ``+3``, ``.5``, ``1e-5``)."""
    return _NUMBER.fullmatch(text) is not None


def safe_text(text: str) -> str:
    """``text`` as a spreadsheet will show and never run it."""
    if text.startswith(FORMULA_START) and not is_plain_number(text):
        return "'" + text
    return text


def restore_text(text: str) -> str:
    """The text :func:`safe_text` was given: the quote it added is taken off again (importers of the
    platform's own files use it)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START) and not is_plain_number(text[1:]):
        return text[1:]
    return text


def _is_number(value: Any) -> bool:
    return isinstance(value, _NUMERIC) and not isinstance(value, bool)


def csv_cell(value: Any) -> str:
    """One CSV field: empty for None, ``true``/``false``, numbers and dates as they print, text made safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        text = str(value)
        return text if is_plain_number(text) else safe_text(text)  # nan, inf: text like any other
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    return safe_text(value if isinstance(value, str) else str(value))


def xlsx_cell(value: Any) -> Any:
    """One XLSX value: numbers, dates and booleans stay typed; text is made safe (so openpyxl never takes it
    for a formula). A cell object (``WriteOnlyCell``, for styled cells) has its value made safe in place."""
    if value is None or isinstance(value, bool):
        return value
    if _is_number(value):
        return value if not (isinstance(value, float) and not math.isfinite(value)) else safe_text(str(value))
    if isinstance(value, dt.date | dt.time):
        return value
    if isinstance(value, str):
        return safe_text(value)
    if hasattr(value, "value") and hasattr(value, "coordinate"):  # an openpyxl cell
        value.value = xlsx_cell(value.value)
        return value
    return safe_text(str(value))


def xlsx_row(values: Iterable[Any]) -> list[Any]:
    """A row for ``worksheet.append``."""
    return [xlsx_cell(v) for v in values]


class CsvWriter:
    """CSV rows into a binary file, in UTF-8 with a BOM (so Excel reads the Chinese right) and CRLF line ends
    (so a carriage return inside a value is quoted); every field through :func:`csv_cell`.
    ``close`` flushes and leaves ``out`` open for its owner."""

    def __init__(self, out: IO[bytes]) -> None:
        self._text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._text)
        self.rows = 0

    def writerow(self, values: Iterable[Any]) -> None:
        self._csv.writerow([csv_cell(v) for v in values])
        self.rows += 1

    def flush(self) -> None:
        self._text.flush()

    def close(self) -> None:
        self._text.flush()
        self._text.detach()


def stream_csv(path: Path, chunk_bytes: int = 256 * 1024) -> Iterator[bytes]:
    """A CSV file of the platform's, read back and written again through :class:`CsvWriter` in chunks, for
    a download: a file written before every cell went through here (an older rejection report) is made safe on
    the way out; for one written here, it is the same file (the rule is idempotent)."""
    buffer = io.BytesIO()
    writer = CsvWriter(buffer)
    with path.open(encoding="utf-8-sig", newline="") as source:
        for row in csv.reader(source):
            writer.writerow(row)
            if buffer.tell() >= chunk_bytes:
                writer.flush()
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    writer.close()
    if buffer.tell():
        yield buffer.getvalue()

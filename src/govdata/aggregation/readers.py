"""Streaming readers of uploaded data files (AGG-5): CSV in UTF-8 or GB18030 and XLSX, in chunks of text
columns, so that memory stays bounded whatever the file size.

Every value is read as text (the validator converts by the item's data type); an empty cell is "". A chunk
is ``(row numbers, {column name: pa.StringArray})``; row numbers count data rows from 1 (the spreadsheet
row is ``row_no + 1`` because of the header) and skip what is not a record (blank worksheet rows, rows
with the wrong number of fields). Those malformed rows are not fatal: they come back through
``malformed`` so the load can reject them like any bad row.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from govdata.core.sheet_guard import XLSX_ROWS, FileProblem, Limits, check_dimension, check_xlsx, open_workbook

__all__ = ["FileProblem", "Limits", "Malformed", "chunks", "no_rows", "read_header", "sniff"]

CHUNK_ROWS = 40_000
SAMPLE_ROWS = 5
_SNIFF_BYTES = 1 << 20
_XLSX_MAGIC = b"PK\x03\x04"


class Malformed:
    """Data rows whose number of fields differs from the header's. Their numbers are kept (8 bytes each); their
    text goes to ``sink`` (the rejection report) at once, so a file of nothing but such rows does not pile up in
    memory — or into ``texts`` when there is no sink."""

    def __init__(self, sink: Callable[[int, str], None] | None = None) -> None:
        self._numbers = array("q")
        self._sink = sink
        self.texts: list[tuple[int, str]] = []

    def add(self, row_no: int, text: str) -> None:
        self._numbers.append(row_no)
        if self._sink is not None:
            self._sink(row_no, text)
        else:
            self.texts.append((row_no, text))

    def __len__(self) -> int:
        return len(self._numbers)

    def numbers(self, start: int, count: int) -> np.ndarray:
        """Data row numbers of the next ``count`` well-formed rows, the first of which is the ``start``-th
        well-formed row: malformed rows seen so far are skipped over."""
        k = np.arange(start, start + count, dtype=np.int64)
        if not self._numbers:
            return k
        bad = np.sort(np.frombuffer(self._numbers, dtype=np.int64))
        good_before = bad - np.arange(len(bad))  # a malformed row comes after this many well-formed ones + 1
        return k + np.searchsorted(good_before, k, side="right")


def sniff(path: Path, filename: str) -> tuple[str, str | None]:
    """(format, encoding): ``xlsx`` by content, otherwise ``csv`` in ``utf-8`` when the first megabyte
    decodes as UTF-8, else ``gb18030`` (which decodes any byte sequence GBK/GB2312 writers produce)."""
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
    if head.startswith(_XLSX_MAGIC):
        return "xlsx", None
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise FileProblem("file_unreadable", "文件扩展名为xlsx，但内容不是Excel工作簿", "not an XLSX workbook")
    if not head.strip():
        raise FileProblem("file_empty", "文件为空", "the file is empty")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=len(head) < _SNIFF_BYTES)  # a multi-byte character cut at the end is fine
        return "csv", "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
    except UnicodeDecodeError:
        raise FileProblem("file_encoding", "无法识别文件编码：CSV文件应为UTF-8或GB18030（GBK）编码",
                          "CSV must be UTF-8 or GB18030") from None
    return "csv", "gb18030"


def _check_headers(headers: list[str], limits: Limits) -> list[str]:
    if len(headers) > limits.max_columns:
        raise limits.too_many_columns(len(headers))
    headers = [h.strip().lstrip("\ufeff") for h in headers]
    if not headers or all(not h for h in headers):
        raise FileProblem("file_no_header", "第1行应为列名", "the first row must hold column names")
    for n, h in enumerate(headers, 1):
        if not h:
            raise FileProblem("file_no_header", f"第1行第{n}列的列名为空", f"column {n} has no name")
    seen: set[str] = set()
    for h in headers:
        if h in seen:
            raise FileProblem("file_duplicate_column", f"列名“{h}”出现了不止一次", f"column {h!r} appears twice")
        seen.add(h)
    return headers


# --- CSV -------------------------------------------------------------------------------------------------

#: Bytes the CSV parser reads at a time; None: the longest line allowed (``Limits.max_line_bytes``), since
#: pyarrow refuses a record longer than its block. Tests make it small to get many chunks.
BLOCK_SIZE: int | None = None
_STRADDLING = "straddl"  # pyarrow: "straddling object straddles two block boundaries"


def _first_line(path: Path, encoding: str, limits: Limits) -> list[str]:
    """The column names, from at most ``max_line_bytes`` of the file."""
    with path.open("rb") as probe:
        first = probe.readline(limits.max_line_bytes + 1)
    if len(first) > limits.max_line_bytes and not first.endswith(b"\n"):
        raise limits.line_too_long(1)
    text = first.decode(encoding, errors="replace").lstrip("\ufeff")
    names = next(csv.reader([text]), None)
    if names is None:
        raise FileProblem("file_empty", "文件为空", "the file is empty")
    return names


def _unreadable(exc: Exception, limits: Limits, near: int | None = None) -> FileProblem:
    if _STRADDLING in str(exc):
        return limits.line_too_long(near)
    where = f"第{near}行附近" if near else ""
    return FileProblem("file_unreadable", f"CSV文件{where}无法读取：{exc}",
                       f"unreadable CSV{f' near line {near}' if near else ''}: {exc}")


def _csv_reader(path: Path, encoding: str, malformed: Malformed | None, limits: Limits) -> tuple[Any, list[str]]:
    def on_invalid(row: Any) -> str:
        if malformed is not None:
            malformed.add(int(row.number) - 1 if row.number and row.number > 0 else 0, row.text)
        return "skip"

    names = _first_line(path, encoding, limits)
    if len(names) > limits.max_columns:  # before pyarrow makes a column of each
        raise limits.too_many_columns(len(names))
    read = pacsv.ReadOptions(encoding=encoding, block_size=BLOCK_SIZE or limits.max_line_bytes,
                             use_threads=False)  # row numbers of bad rows need one parser
    parse = pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid)
    convert = pacsv.ConvertOptions(strings_can_be_null=False, quoted_strings_can_be_null=False,
                                   auto_dict_encode=False, check_utf8=False,
                                   column_types={name: pa.string() for name in names})
    try:
        reader = pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise _unreadable(exc, limits) from None
    return reader, _check_headers(list(reader.schema.names), limits)


def no_rows() -> FileProblem:
    """A file with column names and nothing under them: refused, so that it never counts as a load."""
    return FileProblem("file_no_rows", "文件中没有数据行：只有列名行，请从第2行起填写数据后重新上传",
                       "the file holds column names but no data rows")


def csv_header(path: Path, encoding: str, limits: Limits) -> tuple[list[str], list[list[str]]]:
    malformed = Malformed(lambda row_no, text: None)  # only counted: a row of the wrong width is still a row
    reader, headers = _csv_reader(path, encoding, malformed, limits)
    sample: list[list[str]] = []
    try:
        for batch in reader:
            for row in batch.slice(0, SAMPLE_ROWS - len(sample)).to_pylist():
                sample.append([str(v) for v in row.values()])
            if len(sample) >= SAMPLE_ROWS:
                break
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise _unreadable(exc, limits) from None
    if not sample and not len(malformed):
        raise no_rows()
    return headers, sample


Chunk = tuple[np.ndarray, dict[str, pa.Array]]


def csv_chunks(path: Path, encoding: str, malformed: Malformed, limits: Limits,
               chunk_rows: int | None = None) -> Iterator[Chunk]:
    chunk_rows = chunk_rows or CHUNK_ROWS
    reader, headers = _csv_reader(path, encoding, malformed, limits)
    done = 0  # well-formed rows yielded so far
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    try:
        for batch in reader:
            pending.append(batch)
            pending_rows += batch.num_rows
            if done + pending_rows + len(malformed) > limits.max_rows:
                raise limits.too_many_rows()
            if pending_rows >= chunk_rows:
                yield malformed.numbers(done + 1, pending_rows), _columns(headers, pending)
                done += pending_rows
                pending, pending_rows = [], 0
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise _unreadable(exc, limits, done + pending_rows + len(malformed) + 2) from None
    if pending_rows:
        yield malformed.numbers(done + 1, pending_rows), _columns(headers, pending)


def _columns(headers: list[str], batches: list[pa.RecordBatch]) -> dict[str, pa.Array]:
    table = pa.Table.from_batches(batches)
    return {name: table.column(i).combine_chunks() for i, name in enumerate(headers)}


# --- XLSX ------------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    """Text of an Excel cell as a person would have typed it: dates as ISO, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    return str(value)


def _is_blank(row: tuple[Any, ...]) -> bool:
    return row.count(None) + row.count("") == len(row)


def _trim(row: tuple[Any, ...]) -> tuple[Any, ...]:
    end = len(row)
    while end and row[end - 1] in (None, ""):
        end -= 1
    return row[:end]


@contextmanager
def _open_xlsx(path: Path, limits: Limits) -> Iterator[tuple[list[str], Iterator[tuple[int, tuple[Any, ...]]]]]:
    """The header and the data rows ``(row number, values)`` of the first worksheet.

    The archive is checked before openpyxl opens it (``check_xlsx``: sizes, compression ratio, parts); a
    declared size (``<dimension>``) beyond what Excel allows is refused before a row is read. A declared size
    is not trusted further — Excel's "used range" often reaches far past the data, and other writers omit or
    misstate it — so it neither ends the reading (openpyxl would drop the rows past a stale one) nor refuses
    within Excel's limits: the header's columns and the non-blank rows are counted as they stream. A data row
    is read as wide as declared or one cell wider than the header (at most ``max_columns`` + 1), so a row
    with a field too many is seen and no row costs more than that."""
    with path.open("rb") as handle:  # a file object: openpyxl would judge a path by its extension
        check_xlsx(handle, limits)
        handle.seek(0)
        try:
            workbook = open_workbook(handle)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken workbook
            raise FileProblem("file_unreadable", f"Excel文件无法读取：{exc}", f"unreadable XLSX: {exc}") from None
        try:
            if not workbook.worksheets:
                raise FileProblem("file_empty", "工作簿中没有工作表", "the workbook has no worksheet")
            sheet = workbook.worksheets[0]
            declared = sheet.max_column if sheet.max_row and sheet.max_column else None
            check_dimension(sheet.max_row, declared)
            sheet.reset_dimensions()
            cap = limits.max_columns + 1
            first = next(sheet.iter_rows(min_row=1, max_row=1, max_col=cap, values_only=True), None)
            if first is None:
                raise FileProblem("file_empty", "工作表为空", "the worksheet is empty")
            header = [_cell_text(v) for v in _trim(first)]
            if len(header) >= cap:
                raise limits.too_many_columns()  # read no further than one past the limit: more is not known
            headers = _check_headers(header, limits)
            width = min(max(declared or 0, len(headers) + 1), cap)
            yield headers, _xlsx_data(sheet, width, limits)
        except (FileProblem, GeneratorExit):
            raise
        except Exception as exc:  # noqa: BLE001 - a part that fails to parse half-way
            raise FileProblem("file_unreadable", f"Excel文件无法读取：{exc}", f"unreadable XLSX: {exc}") from None
        finally:
            workbook.close()


def _xlsx_data(sheet: Any, width: int, limits: Limits) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Non-blank data rows; ``file_too_many_rows`` past ``max_rows`` of them or past Excel's last row."""
    records = 0
    for row_no, row in enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True), 1):
        if row_no >= XLSX_ROWS:
            raise limits.past_excel_rows()
        if _is_blank(row):
            continue  # a blank worksheet row is formatting, not a record
        records += 1
        if records > limits.max_rows:
            raise limits.too_many_rows()
        yield row_no, row


def xlsx_header(path: Path, limits: Limits) -> tuple[list[str], list[list[str]]]:
    with _open_xlsx(path, limits) as (headers, rows):
        sample = []
        for _, row in rows:
            if len(sample) >= SAMPLE_ROWS:
                break
            sample.append([_cell_text(v) for v in row[:len(headers)]])
        if not sample:
            raise no_rows()  # blank rows are formatting, not records
        return headers, sample


def xlsx_chunks(path: Path, malformed: Malformed, limits: Limits, chunk_rows: int | None = None) -> Iterator[Chunk]:
    chunk_rows = chunk_rows or CHUNK_ROWS
    with _open_xlsx(path, limits) as (headers, rows):
        width = len(headers)
        buffers: list[list[str]] = [[] for _ in headers]
        numbers: list[int] = []
        for row_no, row in rows:
            if len(row) > width and not _is_blank(row[width:]):
                malformed.add(row_no, ",".join(_cell_text(v) for v in _trim(row)))
                continue
            numbers.append(row_no)
            for i in range(width):
                buffers[i].append(_cell_text(row[i]) if i < len(row) else "")
            if len(numbers) >= chunk_rows:
                yield np.array(numbers, dtype=np.int64), {h: pa.array(b, pa.string())
                                                          for h, b in zip(headers, buffers, strict=True)}
                buffers, numbers = [[] for _ in headers], []
        if numbers:
            yield np.array(numbers, dtype=np.int64), {h: pa.array(b, pa.string())
                                                      for h, b in zip(headers, buffers, strict=True)}


def read_header(path: Path, file_format: str, encoding: str | None,
                limits: Limits | None = None) -> tuple[list[str], list[list[str]]]:
    """The column names and the first few data rows (as text); ``file_no_rows`` when there is no data row."""
    if file_format == "xlsx":
        return xlsx_header(path, limits or Limits())
    return csv_header(path, encoding or "utf-8", limits or Limits())


def chunks(path: Path, file_format: str, encoding: str | None, malformed: Malformed,
           limits: Limits | None = None, chunk_rows: int | None = None) -> Iterator[Chunk]:
    """The file's well-formed data rows in chunks of about ``chunk_rows`` rows; ``FileProblem`` when a limit
    is passed on the way (the caller's transaction then writes nothing)."""
    if file_format == "xlsx":
        return xlsx_chunks(path, malformed, limits or Limits(), chunk_rows)
    return csv_chunks(path, encoding or "utf-8", malformed, limits or Limits(), chunk_rows)

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
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

CHUNK_ROWS = 40_000
#: Bytes the CSV parser reads at a time.
BLOCK_SIZE = 2 << 20
SAMPLE_ROWS = 5
_SNIFF_BYTES = 1 << 20
_XLSX_MAGIC = b"PK\x03\x04"


class FileProblem(ValueError):
    """The file as a whole cannot be read: ``code`` is stable, ``message`` Chinese."""

    def __init__(self, code: str, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code, self.message, self.message_en = code, message, message_en


@dataclass
class Malformed:
    """Data rows whose number of fields differs from the header's."""

    rows: list[tuple[int, str]] = field(default_factory=list)  # (row number, raw text of the row)

    def numbers(self, start: int, count: int) -> np.ndarray:
        """Data row numbers of the next ``count`` well-formed rows, the first of which is the ``start``-th
        well-formed row: malformed rows seen so far are skipped over."""
        k = np.arange(start, start + count, dtype=np.int64)
        if not self.rows:
            return k
        bad = np.sort(np.fromiter((n for n, _ in self.rows), dtype=np.int64))
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


def _check_headers(headers: list[str]) -> list[str]:
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


def _csv_reader(path: Path, encoding: str, malformed: Malformed | None, block_size: int | None = None) -> Any:
    def on_invalid(row: Any) -> str:
        if malformed is not None:
            malformed.rows.append((int(row.number) - 1 if row.number and row.number > 0 else 0, row.text))
        return "skip"

    read = pacsv.ReadOptions(encoding=encoding, block_size=block_size or BLOCK_SIZE, use_threads=False)  # row numbers of bad rows need one parser
    parse = pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid)
    convert = pacsv.ConvertOptions(strings_can_be_null=False, quoted_strings_can_be_null=False,
                                   auto_dict_encode=False, check_utf8=False)
    try:
        with path.open("rb") as probe:
            first = probe.readline()
        names = next(iter(_decode_first_line(first, encoding)), None)
        if names is None:
            raise FileProblem("file_empty", "文件为空", "the file is empty")
        convert.column_types = {name: pa.string() for name in names}
        return pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise FileProblem("file_unreadable", f"CSV文件无法读取：{exc}", f"unreadable CSV: {exc}") from None


def _decode_first_line(line: bytes, encoding: str) -> Iterator[list[str]]:
    import csv

    text = line.decode(encoding, errors="replace").lstrip("\ufeff")
    yield from csv.reader([text])


def csv_header(path: Path, encoding: str) -> tuple[list[str], list[list[str]]]:
    reader = _csv_reader(path, encoding, None, block_size=1 << 20)
    headers = _check_headers(list(reader.schema.names))
    sample: list[list[str]] = []
    for batch in reader:
        for row in batch.slice(0, SAMPLE_ROWS - len(sample)).to_pylist():
            sample.append([str(v) for v in row.values()])
        if len(sample) >= SAMPLE_ROWS:
            break
    return headers, sample


Chunk = tuple[np.ndarray, dict[str, pa.Array]]


def csv_chunks(path: Path, encoding: str, malformed: Malformed, chunk_rows: int | None = None) -> Iterator[Chunk]:
    chunk_rows = chunk_rows or CHUNK_ROWS
    reader = _csv_reader(path, encoding, malformed)
    headers = _check_headers(list(reader.schema.names))
    done = 0  # well-formed rows yielded so far
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    try:
        for batch in reader:
            pending.append(batch)
            pending_rows += batch.num_rows
            if pending_rows >= chunk_rows:
                yield malformed.numbers(done + 1, pending_rows), _columns(headers, pending)
                done += pending_rows
                pending, pending_rows = [], 0
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise FileProblem("file_unreadable", f"CSV文件第{done + pending_rows + 2}行附近无法读取：{exc}",
                          f"unreadable CSV near line {done + pending_rows + 2}: {exc}") from None
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


def _xlsx_rows(path: Path) -> Iterator[tuple[Any, ...]]:
    from openpyxl import load_workbook

    handle = path.open("rb")  # a file object: openpyxl would judge a path by its extension
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken workbook
        handle.close()
        raise FileProblem("file_unreadable", f"Excel文件无法读取：{exc}", f"unreadable XLSX: {exc}") from None
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()
        handle.close()


def xlsx_header(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = _xlsx_rows(path)
    first = next(rows, None)
    if first is None:
        raise FileProblem("file_empty", "工作表为空", "the worksheet is empty")
    headers = _check_headers([_cell_text(v) for v in _trim(first)])
    sample = []
    for row in rows:
        if len(sample) >= SAMPLE_ROWS:
            break
        if any(v not in (None, "") for v in row):
            sample.append([_cell_text(v) for v in row[:len(headers)]])
    return headers, sample


def _trim(row: tuple[Any, ...]) -> tuple[Any, ...]:
    end = len(row)
    while end and row[end - 1] in (None, ""):
        end -= 1
    return row[:end]


def xlsx_chunks(path: Path, malformed: Malformed, chunk_rows: int | None = None) -> Iterator[Chunk]:
    chunk_rows = chunk_rows or CHUNK_ROWS
    rows = _xlsx_rows(path)
    first = next(rows, None)
    if first is None:
        raise FileProblem("file_empty", "工作表为空", "the worksheet is empty")
    headers = _check_headers([_cell_text(v) for v in _trim(first)])
    width = len(headers)
    buffers: list[list[str]] = [[] for _ in headers]
    numbers: list[int] = []
    for row_no, row in enumerate(rows, 1):
        if not any(v not in (None, "") for v in row):
            continue  # a blank worksheet row is formatting, not a record
        if len(_trim(row)) > width:
            malformed.rows.append((row_no, ",".join(_cell_text(v) for v in row)))
            continue
        numbers.append(row_no)
        for i in range(width):
            buffers[i].append(_cell_text(row[i]) if i < len(row) else "")
        if len(numbers) >= chunk_rows:
            yield np.array(numbers, dtype=np.int64), {h: pa.array(b, pa.string()) for h, b in zip(headers, buffers, strict=True)}
            buffers, numbers = [[] for _ in headers], []
    if numbers:
        yield np.array(numbers, dtype=np.int64), {h: pa.array(b, pa.string()) for h, b in zip(headers, buffers, strict=True)}


def read_header(path: Path, file_format: str, encoding: str | None) -> tuple[list[str], list[list[str]]]:
    """The column names and the first few data rows (as text)."""
    if file_format == "xlsx":
        return xlsx_header(path)
    return csv_header(path, encoding or "utf-8")


def chunks(path: Path, file_format: str, encoding: str | None, malformed: Malformed,
           chunk_rows: int | None = None) -> Iterator[Chunk]:
    """The file's well-formed data rows in chunks of about ``chunk_rows`` rows."""
    if file_format == "xlsx":
        return xlsx_chunks(path, malformed, chunk_rows)
    return csv_chunks(path, encoding or "utf-8", malformed, chunk_rows)

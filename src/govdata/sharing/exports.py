"""File formats of the data service export (Art. 15 文件 access): CSV (UTF-8 with BOM, so Excel opens it
right), XLSX (openpyxl write-only) and Parquet (pyarrow, typed columns).

Pure code: a writer takes the column names and data types and is fed JSON-ready rows (already masked) one
at a time; it writes into a binary file object (a spooled temporary file), so memory stays bounded
whatever the row count. Cells of CSV and XLSX go through ``core.sheet_writer``: text that a spreadsheet would
run as a formula starts with a single quote; money (货币型Y) and integers (整型I) are numbers in XLSX.
"""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import IO, Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

from govdata.core.sheet_writer import CsvWriter, csv_cell, xlsx_row

__all__ = ["FORMATS", "RowWriter", "writer_for"]

#: format -> (media type, file extension)
FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
}
_XLSX_MAX_ROWS = 1_048_576
_PARQUET_BATCH = 5000


class RowWriter(Protocol):
    def write(self, row: list[Any]) -> None: ...

    def close(self) -> None: ...


class _CsvWriter:
    def __init__(self, out: IO[bytes], columns: list[str]) -> None:
        self._csv = CsvWriter(out)
        self._csv.writerow(columns)

    def write(self, row: list[Any]) -> None:
        self._csv.writerow(row)

    def close(self) -> None:
        self._csv.close()  # the underlying file stays open for the reader


def _number(value: Any, data_type: str) -> Any:
    """A money or integer value as a number (JSON carries money as exact text); anything else as it is."""
    if not isinstance(value, str) or data_type not in ("Y", "I"):
        return value
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    return int(number) if data_type == "I" and number == number.to_integral_value() else number


class _XlsxWriter:
    def __init__(self, out: IO[bytes], columns: list[str], data_types: list[str], masked: list[bool]) -> None:
        self._out = out
        self._book = Workbook(write_only=True)
        self._columns = columns
        self._types = [t if not m else "C" for t, m in zip(data_types, masked, strict=True)]  # masked: text
        self._sheet: Any = None
        self._rows = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self._sheet = self._book.create_sheet(f"data{len(self._book.worksheets) + 1}")
        self._sheet.append(xlsx_row(self._columns))
        self._rows = 1

    def write(self, row: list[Any]) -> None:
        if self._rows >= _XLSX_MAX_ROWS:
            self._new_sheet()
        self._sheet.append(xlsx_row(_number(v, t) for v, t in zip(row, self._types, strict=True)))
        self._rows += 1

    def close(self) -> None:
        self._book.save(self._out)


def _arrow_type(data_type: str, masked: bool) -> pa.DataType:
    if masked:
        return pa.string()  # a masked value is text (partial, digest) or null
    return {"Y": pa.decimal128(20, 2), "I": pa.int64(), "L": pa.bool_(), "B": pa.float64(), "F": pa.float64(),
            "D": pa.date32(), "T": pa.timestamp("us", tz="UTC"), "G": pa.binary()}.get(data_type, pa.string())


def _arrow_value(value: Any, kind: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_decimal(kind):
        return Decimal(value)
    if pa.types.is_date32(kind):
        return dt.date.fromisoformat(value)
    if pa.types.is_timestamp(kind):
        return dt.datetime.fromisoformat(value)
    if pa.types.is_binary(kind):
        return base64.b64decode(value)
    if pa.types.is_string(kind) and not isinstance(value, str):
        return csv_cell(value)
    return value


class _ParquetWriter:
    def __init__(self, out: IO[bytes], columns: list[str], types: list[pa.DataType]) -> None:
        self._schema = pa.schema([pa.field(c, t) for c, t in zip(columns, types, strict=True)])
        self._writer = pq.ParquetWriter(out, self._schema)
        self._batch: list[list[Any]] = []

    def write(self, row: list[Any]) -> None:
        self._batch.append([_arrow_value(v, f.type) for v, f in zip(row, self._schema, strict=True)])
        if len(self._batch) >= _PARQUET_BATCH:
            self._flush()

    def _flush(self) -> None:
        arrays = [pa.array([r[i] for r in self._batch], type=f.type) for i, f in enumerate(self._schema)]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self._schema))
        self._batch = []

    def close(self) -> None:
        if self._batch:
            self._flush()
        self._writer.close()


def writer_for(fmt: str, out: IO[bytes], columns: list[str], data_types: list[str],
               masked: list[bool]) -> RowWriter:
    """A writer of ``fmt`` into ``out``; ``data_types`` and ``masked`` (one per column) type the Parquet
    columns."""
    if fmt == "csv":
        return _CsvWriter(out, columns)
    if fmt == "xlsx":
        return _XlsxWriter(out, columns, data_types, masked)
    if fmt == "parquet":
        types = [_arrow_type(t, m) for t, m in zip(data_types, masked, strict=True)]
        return _ParquetWriter(out, columns, types)
    raise ValueError(f"unknown export format {fmt!r}")

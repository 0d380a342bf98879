"""The one cell writer of CSV and XLSX downloads (core/sheet_writer.py): text that a spreadsheet would run gets a
quote, numbers stay numbers, the rule is idempotent and importers can undo it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from govdata.core.sheet_writer import (FORMULA_START, CsvWriter, csv_cell, is_plain_number, restore_text, safe_text,
                                       stream_csv, xlsx_cell, xlsx_row)


def test_text_starting_with_a_formula_character_gets_a_quote():
    for text in ("=1+1", "+1+1", "-2+3", "@SUM(1)", "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0", "-", "+86 139"):
        assert safe_text(text) == "'" + text
    for text in ("-12.5", "+3", "-.5", "1e-5", "-1E+5", "居民", "", "'=already", "a=b"):
        assert safe_text(text) == text
    assert is_plain_number("-12.50") and not is_plain_number("-1,234.5") and not is_plain_number("-inf")


def test_csv_cells_by_type():
    assert [csv_cell(v) for v in (None, True, False, -12.5, Decimal("-3.10"), 7, dt.date(2024, 1, 2))] == [
        "", "true", "false", "-12.5", "-3.10", "7", "2024-01-02"]
    assert csv_cell(float("-inf")) == "'-inf" and csv_cell("=A1") == "'=A1"


def test_xlsx_cells_keep_their_type_and_text_is_never_a_formula():
    book = Workbook()
    sheet = book.active
    sheet.append(xlsx_row(["=SUM(A1:A2)", "@x", -12.5, Decimal("-3.10"), dt.date(2024, 1, 2), True, None]))
    out = io.BytesIO()
    book.save(out)
    row = next(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows())
    assert [c.data_type for c in row[:6]] == ["s", "s", "n", "n", "d", "b"]
    assert [c.value for c in row[:4]] == ["'=SUM(A1:A2)", "'@x", -12.5, -3.1]
    assert xlsx_cell(float("nan")) == "nan"


def test_csv_writer_is_utf8_with_bom_and_keeps_a_carriage_return_inside_its_field():
    out = io.BytesIO()
    writer = CsvWriter(out)
    writer.writerow(["姓名", "备注"])
    writer.writerow(["\r=1+1", "line\rbreak"])
    writer.close()
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))) == [
        ["姓名", "备注"], ["'\r=1+1", "line\rbreak"]]


def test_stream_csv_makes_an_old_file_safe_and_leaves_a_safe_one_as_it_is(tmp_path):
    old = tmp_path / "old.csv"
    rows = [["行号", "问题", "=HYPERLINK(\"x\")"]] + [[str(n), "错", f"@SUM({n})"] for n in range(5000)]
    with old.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    once = b"".join(stream_csv(old, chunk_bytes=4096))
    assert once.count(b"\xef\xbb\xbf") == 1
    read = list(csv.reader(io.StringIO(once.decode("utf-8-sig"), newline="")))
    assert read[0][2] == "'=HYPERLINK(\"x\")" and read[4999][2] == "'@SUM(4998)" and len(read) == 5001
    (tmp_path / "safe.csv").write_bytes(once)
    assert b"".join(stream_csv(tmp_path / "safe.csv")) == once


@given(st.text())
def test_safe_text_is_idempotent_never_starts_a_formula_and_importers_undo_it(text):
    safe = safe_text(text)
    assert safe_text(safe) == safe
    assert not safe.startswith(FORMULA_START) or is_plain_number(safe)
    if not (text.startswith("'") and text[1:].startswith(FORMULA_START)):  # such text reads back without its quote
        assert restore_text(safe) == text

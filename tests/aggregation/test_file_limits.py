"""Decompression and size bombs (issue 11, finding 4): an uploaded file is measured before anything parses it —
an XLSX by its zip directory (unpacked size, compression ratio of each part and of the whole, part names,
external links, DTDs), a CSV by its first line — and its rows and columns are counted while it streams. Each
refusal has its own code and a Chinese message, on the API and in place on the page, and leaves nothing
behind — both databases."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select

from govdata.aggregation.models import Batch, FileLoad
from tests.aggregation.test_file_pages import (HEADER, csv_bytes, entry, good_rows, upload_api,  # noqa: F401
                                               upload_page, wait_for, xlsx_bytes)
from tests.aggregation.test_push import rows
from tests.conftest import bearer, login

MAPPING = {"公民身份号码": "id_number", "姓名": "name", "补贴金额": "amount", "备注": None}

_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.'
    'xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
    '.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
_SHEET_START = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/' \
               'spreadsheetml/2006/main">{dimension}<sheetData>'


def _cell(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_xml(data_rows: int, *, dimension: str = "", row_numbers: dict[int, int] | None = None) -> bytes:
    """A worksheet of the test header and ``data_rows`` rows of good people (rows without ``r`` attributes,
    as some writers make them); ``row_numbers`` gives some rows a number of their own."""
    parts = [_SHEET_START.format(dimension=dimension), "<row>" + "".join(_cell(h) for h in HEADER) + "</row>"]
    for n, row in enumerate(good_rows(data_rows), 1):
        attr = f' r="{row_numbers[n]}"' if row_numbers and n in row_numbers else ""
        parts.append(f"<row{attr}>" + "".join(_cell(v) for v in row) + "</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts).encode()


def workbook(sheet: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def bomb(mib: int = 40) -> bytes:
    """The header, then ``mib`` MiB of one repeated row: about 0.2 MB packed, a ratio of about a thousand."""
    row = ("<row>" + _cell("a" * 24) * 4 + "</row>").encode()
    block = row * ((1 << 20) // len(row) + 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(sheet_xml(0)[:-len(b"</sheetData></worksheet>")])
            for _ in range(mib):
                part.write(block)
            part.write(b"</sheetData></worksheet>")
    return out.getvalue()


@pytest.fixture
def limits(entry):  # noqa: F811
    """Set limits of the running app (the settings object its sessions carry) for one test."""
    client, _ = entry
    settings = client.app.state.settings

    def set_limits(**values):
        for name, value in values.items():
            setattr(settings, name, value)

    return set_limits


def _refused(response, code: str, phrase: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == code and phrase in body["detail"], body


def _nothing_kept(client) -> None:
    with client.db.session() as session:
        assert session.scalar(select(func.count()).select_from(FileLoad)) == 0
    uploads = client.app.state.settings.home / "uploads"
    assert not uploads.exists() or not [p for p in uploads.iterdir() if p.is_file()]


def _run(client, code, content: bytes, filename: str):
    """Upload, map and run through the API; returns the reply of the run (waited for)."""
    headers = bearer(client, "ps_manager")
    created = upload_api(client, code, content, filename, headers)
    assert created.status_code == 201, created.text
    load_id = created.json()["id"]
    assert client.put(f"/api/v1/loads/{load_id}/mapping", headers=headers,
                      json={"mapping": MAPPING, "mode": "all"}).status_code == 200
    return load_id, client.post(f"/api/v1/loads/{load_id}/run", headers=headers)


# --- XLSX: the zip archive, before openpyxl ---------------------------------------------------------------

def test_an_xlsx_bomb_is_refused_at_upload_before_anything_parses_it(entry, monkeypatch):  # noqa: F811
    client, code = entry
    data = bomb(40)
    assert len(data) < 400_000

    def parse(*args, **kwargs):
        raise AssertionError("the bomb reached openpyxl")

    monkeypatch.setattr(openpyxl, "load_workbook", parse)
    _refused(upload_api(client, code, data, "名单.xlsx", bearer(client, "ps_manager")), "file_compression_ratio",
             "压缩炸弹")
    token = login(client, "ps_manager")
    page = upload_page(client, code, data, "名单.xlsx", token)
    assert page.status_code == 422 and 'data-testid="error"' in page.text and "压缩炸弹" in page.text
    _nothing_kept(client)


def test_a_bomb_spread_over_small_parts_is_held_to_the_ratio_as_a_whole(entry):  # noqa: F811
    client, code = entry
    filler = b"<x>" + b"a" * ((1 << 20) - 8) + b"</x>"  # each part just under the 1 MiB floor
    data = workbook(sheet_xml(2), {f"xl/media/filler{n}.xml": filler for n in range(30)})
    _refused(upload_api(client, code, data, "a.xlsx", bearer(client, "ps_manager")), "file_compression_ratio", "倍")
    _nothing_kept(client)


def test_the_unpacked_size_has_a_limit(entry, limits):  # noqa: F811
    client, code = entry
    limits(xlsx_max_unpacked_bytes=1 << 20)
    data = xlsx_bytes(good_rows(8000))  # about 2 MB unpacked, an ordinary ratio
    _refused(upload_api(client, code, data, "big.xlsx", bearer(client, "ps_manager")), "file_too_large_unpacked",
             "解压后超过1 MB")
    _nothing_kept(client)


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;'
                  b'&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'
                  b'&lol2;&lol2;">]><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                  b'<sheetData><row><c t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>')


@pytest.mark.parametrize("extra, sheet, phrase", [
    ({"../../evil.xml": b"<x/>"}, None, "部件名"),
    ({"/etc/evil.xml": b"<x/>"}, None, "部件名"),
    ({"xl\\worksheets\\evil.xml": b"<x/>"}, None, "部件名"),
    ({"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}, None, "断开链接"),
    ({"xl/connections.xml": b"<connections/>"}, None, "外部数据连接"),
    ({f"xl/media/p{n}.xml": b"<x/>" for n in range(2001)}, None, "部件"),
    ({}, BILLION_LAUGHS, "DTD"),
], ids=["dot-dot", "absolute", "backslash", "external-link", "connection", "too-many-parts", "billion-laughs"])
def test_unsafe_workbooks_are_refused(entry, extra, sheet, phrase):  # noqa: F811
    client, code = entry
    data = workbook(sheet or sheet_xml(2), extra)
    _refused(upload_api(client, code, data, "a.xlsx", bearer(client, "ps_manager")), "file_unsafe", phrase)
    _nothing_kept(client)


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_part_named_twice_is_refused(entry):  # noqa: F811
    client, code = entry
    data = workbook(sheet_xml(2), {"xl/worksheets/sheet1.xml": sheet_xml(3)})
    _refused(upload_api(client, code, data, "a.xlsx", bearer(client, "ps_manager")), "file_unsafe", "重复")


# --- rows and columns --------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_too_many_columns_are_refused_on_the_header(entry, kind):  # noqa: F811
    client, code = entry
    header = HEADER + [f"列{n}" for n in range(1200)]
    data = csv_bytes([], header=header) if kind == "csv" else xlsx_bytes([], header=header)
    _refused(upload_api(client, code, data, f"wide.{kind}", bearer(client, "ps_manager")), "file_too_many_columns",
             "列数超过上限1,000列")
    _nothing_kept(client)


def test_a_worksheet_declaring_more_than_excel_allows_is_refused(entry):  # noqa: F811
    client, code = entry
    data = workbook(sheet_xml(2, dimension='<dimension ref="A1:D2000000"/>'))
    _refused(upload_api(client, code, data, "a.xlsx", bearer(client, "ps_manager")), "file_unsafe", "Excel的上限")


def test_a_used_range_far_past_the_data_is_read_as_the_data(entry):  # noqa: F811
    client, code = entry
    data = workbook(sheet_xml(3, dimension='<dimension ref="A1:XFD1048576"/>'))
    load_id, ran = _run(client, code, data, "a.xlsx")
    wait_for(load_id)
    assert ran.status_code in (200, 202), ran.text
    assert len(rows(client, code)) == 3


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_rows_past_the_limit_refuse_the_load_and_write_nothing(entry, limits, kind):  # noqa: F811
    client, code = entry
    limits(file_max_rows=100)
    data = csv_bytes(good_rows(150)) if kind == "csv" else xlsx_bytes(good_rows(150))
    load_id, ran = _run(client, code, data, f"many.{kind}")
    wait_for(load_id)
    read = client.get(f"/api/v1/loads/{load_id}", headers=bearer(client, "ps_manager")).json()
    if ran.status_code == 422:
        _refused(ran, "file_too_many_rows", "超过上限100行")
    else:
        assert ran.status_code == 202 and read["progress"]["code"] == "file_too_many_rows"
    assert read["status"] == "uploaded" and rows(client, code) == []
    with client.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 0


def test_a_row_number_far_past_excels_last_row_ends_the_reading(entry):  # noqa: F811
    client, code = entry
    data = workbook(sheet_xml(3, row_numbers={3: 1_000_000_000}))  # openpyxl would fill the gap with empty rows
    _refused(upload_api(client, code, data, "far.xlsx", bearer(client, "ps_manager")), "file_too_many_rows",
             "超出Excel的上限1,048,576行")
    _nothing_kept(client)


# --- CSV lines ------------------------------------------------------------------------------------------

def test_a_csv_first_line_longer_than_the_limit_is_refused_unread(entry):  # noqa: F811
    client, code = entry
    data = ",".join(HEADER).encode() + b"," + b"x" * (3 << 20) + b"\n1,2,3,4\n"
    _refused(upload_api(client, code, data, "long.csv", bearer(client, "ps_manager")), "file_line_too_long",
             "第1行附近有一行超过2 MB")
    _nothing_kept(client)


def test_a_long_line_inside_a_csv_refuses_the_load_with_its_place(entry, limits):  # noqa: F811
    client, code = entry
    limits(file_max_line_bytes=64 << 10)
    good = good_rows(300)
    good[200][3] = "备注" * 50_000  # a 300 KB field
    load_id, ran = _run(client, code, csv_bytes(good), "long.csv")
    wait_for(load_id)
    _refused(ran, "file_line_too_long", "超过0.0625 MB")
    assert rows(client, code) == []


# --- the catalog and collection imports -----------------------------------------------------------------

def test_the_catalog_and_collection_imports_refuse_a_bomb(client, monkeypatch):
    from tests.collection.helpers import upload

    def parse(*args, **kwargs):
        raise AssertionError("the bomb reached openpyxl")

    data = bomb(40)
    monkeypatch.setattr(openpyxl, "load_workbook", parse)
    catalog = client.post("/api/v1/catalog/import", files={"file": ("目录.xlsx", data)},
                          headers=bearer(client, "ps_manager"))
    _refused(catalog, "file_compression_ratio", "压缩炸弹")
    _refused(upload(client, data), "file_compression_ratio", "压缩炸弹")


def test_the_header_is_read_without_parsing_the_whole_worksheet(entry):  # noqa: F811
    """openpyxl parses a worksheet without <dimension> whole when it opens it; the upload reads only what it
    needs (here the worksheet is broken past its first rows, and the upload does not notice — the load does)."""
    client, code = entry
    sheet = sheet_xml(8).replace(b"</sheetData>", b"<row><c t='inlineStr'><is><t>&broken;</t></is></c></row>"
                                 b"</sheetData>")
    created = upload_api(client, code, workbook(sheet), "a.xlsx", bearer(client, "ps_manager"))
    assert created.status_code == 201, created.text
    assert created.json()["headers"] == HEADER and len(created.json()["sample"]) == 5

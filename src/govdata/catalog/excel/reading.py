"""Reading an uploaded workbook (CAT-1). Pure: no database and no HTTP. The upload is checked before anything
parses it (size, what it unpacks to, that it is an .xlsx at all); the sheets are streamed (openpyxl
read-only), each cell turned into the value the API takes (``cells.read_cell``), each entry validated with
the API's own schema (``schemas.ResourceDraft``) and cross-field rules (``rules.check``), and every failure
mapped back to its sheet, row and column. What needs the database (classification codes, existing entries)
is checked by ``service.import_catalog`` through ``ParsedResource.locate``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from govdata.catalog import rules
from govdata.catalog.excel.cells import cell_text, read_cell
from govdata.catalog.excel.template import (
    EXPORT_COLUMNS,
    ITEM_COLUMNS,
    ITEM_SHEET,
    KEY,
    MAX_FILE_BYTES,
    MAX_ITEMS,
    MAX_RESOURCES,
    MAX_UNPACKED_BYTES,
    RESOURCE_COLUMNS,
    RESOURCE_SHEET,
    SHEETS,
    Column,
    column_letter,
)
from govdata.catalog.schemas import ResourceDraft
from govdata.core.errors import DomainError, FieldError
from govdata.core.i18n import pydantic_message
from govdata.core.sheet_guard import FileProblem, Limits, check_xlsx, open_workbook, refusal
from govdata.core.spreadsheet import CellError

__all__ = ["ParsedCatalog", "ParsedResource", "SheetLayout", "check_upload", "parse_workbook", "sort_errors",
           "unreadable"]


# --- errors ------------------------------------------------------------------------------------------

def sort_errors(errors: Iterable[CellError]) -> list[CellError]:
    order = {RESOURCE_SHEET: 0, ITEM_SHEET: 1}

    def key(e: CellError) -> tuple[int, int, int, str]:
        return (order.get(e.sheet, 2), e.row or 0, _column_number(e.column), e.message)

    return sorted(dict.fromkeys(errors), key=key)


def _column_number(letter: str) -> int:
    number = 0
    for char in letter:
        number = number * 26 + ord(char) - 64
    return number


def unreadable(detail: str) -> DomainError:
    return DomainError("excel_unreadable", detail, "The file is not a readable .xlsx workbook")


# --- the parse result ----------------------------------------------------------------------------------

@dataclass
class SheetLayout:
    """Where each template column sits in the uploaded sheet: field -> (letter, header)."""

    sheet: str
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)

    def where(self, name: str) -> tuple[str, str]:
        if name in self.columns:
            return self.columns[name]
        template = {c.field: c.header for c in SHEETS[self.sheet]}
        return "", template.get(name, "")


@dataclass
class ParsedResource:
    """One resource row with its items: ``draft`` is set when every cell passed the API's validation."""

    key: str
    row: int
    code: str | None
    draft: ResourceDraft | None
    item_rows: list[int]
    layouts: dict[str, SheetLayout]
    errors: list[CellError] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.draft is not None and not self.errors

    def locate(self, field_path: str, message: str) -> CellError:
        """The cell an error of the API's field path (``legal_basis``, ``items.2.data_type``, …) points to."""
        parts = field_path.split(".")
        if parts[0] == "items" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(self.item_rows):
            letter, header = self.layouts[ITEM_SHEET].where(parts[2]) if len(parts) > 2 else ("", "")
            return CellError(ITEM_SHEET, self.item_rows[int(parts[1])], letter, header, message)
        name = "key" if parts[0] == "items" else parts[0]
        letter, header = self.layouts[RESOURCE_SHEET].where(name)
        return CellError(RESOURCE_SHEET, self.row, letter, header, message)

    def add(self, errors: Iterable[FieldError]) -> list[CellError]:
        found = [self.locate(e.field, e.message) for e in errors]
        self.errors.extend(found)
        return found


@dataclass
class ParsedCatalog:
    resources: list[ParsedResource]
    errors: list[CellError]  # every error found, sorted by sheet, row and column
    item_count: int = 0

    @property
    def valid(self) -> list[ParsedResource]:
        return [r for r in self.resources if r.valid]


# --- reading -------------------------------------------------------------------------------------------

def check_upload(data: bytes) -> None:
    """Refuse, with one clear message, what is too big or is not an .xlsx workbook at all."""
    if len(data) > MAX_FILE_BYTES:
        raise DomainError("upload_too_large", f"文件大小超过{MAX_FILE_BYTES // (1024 * 1024)} MB上限，请拆分后分批导入",
                          f"The file exceeds {MAX_FILE_BYTES // (1024 * 1024)} MB; split it")
    if not data:
        raise unreadable("上传的文件是空的，请选择填好的 .xlsx 文件")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise unreadable("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 格式后再导入")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise unreadable("文件不是有效的 .xlsx 工作簿（格式不符，或文件已损坏、不完整），请用模板填写后重新上传") \
            from exc
    with archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            raise unreadable("压缩包中没有 Excel 工作簿，请上传 .xlsx 文件")
        if sum(i.file_size for i in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise DomainError("upload_too_large", "文件解压后超过"
                              f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MB上限，请拆分后分批导入",
                              "The workbook unpacks to more than the limit")
    try:  # compression ratio, part names, external links, DTDs (the sizes above keep their own code)
        check_xlsx(io.BytesIO(data), Limits(max_unpacked_bytes=MAX_UNPACKED_BYTES))
    except FileProblem as exc:
        raise refusal(exc, "excel_unreadable") from None


def parse_workbook(data: bytes) -> ParsedCatalog:
    """Read an uploaded workbook into entries and cell errors; raise for a file that cannot be read."""
    check_upload(data)
    try:
        workbook = open_workbook(io.BytesIO(data))
    except Exception as exc:  # openpyxl raises many kinds on a damaged file; all mean the same to the user
        raise unreadable("无法读取该 Excel 文件（文件已损坏或不是 Excel 保存的 .xlsx），请用模板填写后重新上传") \
            from exc
    try:
        return _parse(workbook)
    except DomainError:
        raise
    except Exception as exc:
        raise unreadable("读取 Excel 文件时出错（文件内容已损坏），请用 Excel 打开后重新保存再上传") from exc
    finally:
        workbook.close()


def _rows(workbook: Any, sheet: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    worksheet = workbook[sheet]
    worksheet.reset_dimensions()  # a stale <dimension> could pad every row to 16,384 columns
    yield from enumerate(worksheet.iter_rows(values_only=True), start=1)


def _layout(sheet: str, header: tuple[Any, ...], errors: list[CellError]) -> tuple[SheetLayout, dict[int, Column]]:
    """Map the header row to template columns; unknown, duplicate and missing columns are errors."""
    known = {c.header: c for c in SHEETS[sheet]}
    if sheet == RESOURCE_SHEET:
        known.update({c.header: c for c in EXPORT_COLUMNS})
    layout = SheetLayout(sheet)
    positions: dict[int, Column] = {}
    for index, raw in enumerate(header):
        text = cell_text(raw)
        if text is None:
            continue
        name = text.rstrip("*＊").strip()
        letter = column_letter(index)
        column = known.get(name)
        if column is None:
            errors.append(CellError(sheet, 1, letter, text, f"未知的列“{text}”，请使用模板中的列名"))
        elif column.field in layout.columns:
            errors.append(CellError(sheet, 1, letter, name, f"列“{name}”重复"))
        else:
            layout.columns[column.field] = (letter, name)
            positions[index] = column
    for column in SHEETS[sheet]:
        if column.required and column.field not in layout.columns:
            errors.append(CellError(sheet, 1, "", column.header, f"缺少必填列“{column.header}”"))
    return layout, positions


def _parse(workbook: Any) -> ParsedCatalog:
    errors: list[CellError] = []
    missing = [s for s in (RESOURCE_SHEET, ITEM_SHEET) if s not in workbook.sheetnames]
    if missing:
        for sheet in missing:
            errors.append(CellError(sheet, None, "", "", f"缺少工作表“{sheet}”，请使用平台提供的模板"))
        return ParsedCatalog([], sort_errors(errors))

    layouts: dict[str, SheetLayout] = {}
    items: dict[str, list[tuple[int, dict[str, Any], list[CellError]]]] = {}
    # resource rows: key -> (row, values, cell errors)
    resources: dict[str, tuple[int, dict[str, Any], list[CellError]]] = {}
    codes: dict[str, int] = {}
    header_ok = True
    for sheet in (RESOURCE_SHEET, ITEM_SHEET):
        rows = _rows(workbook, sheet)
        first = next(rows, None)
        if first is None:
            layouts[sheet] = SheetLayout(sheet)
            errors.append(CellError(sheet, None, "", "", "工作表是空的，缺少表头行，请使用平台提供的模板"))
            header_ok = False
            continue
        before = len(errors)
        layout, positions = _layout(sheet, first[1], errors)
        layouts[sheet] = layout
        if len(errors) > before:
            header_ok = False
        if not header_ok:
            continue
        if sheet == RESOURCE_SHEET:
            _read_resources(rows, positions, layout, resources, codes, errors)
        else:
            items = _read_items(rows, positions, layout, resources, errors)
    if not header_ok:
        return ParsedCatalog([], sort_errors(errors))

    parsed: list[ParsedResource] = []
    item_count = 0
    for key, (row, values, cell_errors) in resources.items():
        own_items = items.get(key, [])
        item_count += len(own_items)
        entry = ParsedResource(key=key, row=row, code=values.pop("code", None), draft=None,
                               item_rows=[r for r, _, _ in own_items], layouts=layouts, errors=list(cell_errors))
        for _, _, item_errors in own_items:
            entry.errors.extend(item_errors)
        values["items"] = [v for _, v, _ in own_items]
        entry.draft = _validate(entry, values)
        parsed.append(entry)
        errors.extend(entry.errors)
    return ParsedCatalog(parsed, sort_errors(errors), item_count)


def _cells(row: tuple[Any, ...], positions: dict[int, Column]) -> Iterator[tuple[Column, str, Any]]:
    for index, column in positions.items():
        value = row[index] if index < len(row) else None
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            continue
        yield column, column_letter(index), value


def _read_resources(rows: Iterator[tuple[int, tuple[Any, ...]]], positions: dict[int, Column], layout: SheetLayout,
                    resources: dict[str, tuple[int, dict[str, Any], list[CellError]]], codes: dict[str, int],
                    errors: list[CellError]) -> None:
    key_letter, _ = layout.where("key")
    for number, row in rows:
        values: dict[str, Any] = {}
        cell_errors: list[CellError] = []
        key: str | None = None
        for column, letter, raw in _cells(row, positions):
            if column.kind == "key":
                key = cell_text(raw)
                continue
            try:
                value = read_cell(column, raw)
            except ValueError as exc:
                cell_errors.append(CellError(RESOURCE_SHEET, number, letter, column.header, str(exc)))
                continue
            if column.kind == "code":
                if value in codes:
                    cell_errors.append(CellError(RESOURCE_SHEET, number, letter, column.header,
                                                 f"资源代码“{value}”与第{codes[value]}行重复"))
                    continue
                codes[value] = number
            if column.kind != "info":
                values[column.field] = value
        if key is None and not values and not cell_errors:
            continue  # a blank row
        if len(resources) >= MAX_RESOURCES:
            raise DomainError("excel_too_many_rows", f"“{RESOURCE_SHEET}”表超过{MAX_RESOURCES}个资源的上限，"
                              "请拆分后分批导入", f"More than {MAX_RESOURCES} resources; split the file")
        if key is None:
            errors.extend(cell_errors)
            errors.append(CellError(RESOURCE_SHEET, number, key_letter, KEY, "资源序号必填（信息项用它指明所属资源）"))
        elif key in resources:
            errors.extend(cell_errors)
            errors.append(CellError(RESOURCE_SHEET, number, key_letter, KEY,
                                    f"资源序号“{key}”与第{resources[key][0]}行重复"))
        else:
            resources[key] = (number, values, cell_errors)


def _read_items(rows: Iterator[tuple[int, tuple[Any, ...]]], positions: dict[int, Column], layout: SheetLayout,
                resources: dict[str, tuple[int, dict[str, Any], list[CellError]]],
                errors: list[CellError]) -> dict[str, list[tuple[int, dict[str, Any], list[CellError]]]]:
    key_letter, _ = layout.where("key")
    items: dict[str, list[tuple[int, dict[str, Any], list[CellError]]]] = {}
    count = 0
    for number, row in rows:
        values: dict[str, Any] = {}
        cell_errors: list[CellError] = []
        key: str | None = None
        for column, letter, raw in _cells(row, positions):
            if column.kind == "key":
                key = cell_text(raw)
                continue
            try:
                values[column.field] = read_cell(column, raw)
            except ValueError as exc:
                cell_errors.append(CellError(ITEM_SHEET, number, letter, column.header, str(exc)))
        if key is None and not values and not cell_errors:
            continue
        count += 1
        if count > MAX_ITEMS:
            raise DomainError("excel_too_many_rows", f"“{ITEM_SHEET}”表超过{MAX_ITEMS}个信息项的上限，请拆分后分批导入",
                              f"More than {MAX_ITEMS} information items; split the file")
        if key is None or key not in resources:
            errors.extend(cell_errors)
            message = "资源序号必填，须指明所属资源" if key is None else \
                f"资源序号“{key}”在“{RESOURCE_SHEET}”表中不存在"
            errors.append(CellError(ITEM_SHEET, number, key_letter, KEY, message))
            continue
        items.setdefault(key, []).append((number, values, cell_errors))
    return items


def _validate(entry: ParsedResource, values: dict[str, Any]) -> ResourceDraft | None:
    """The API's validation of one entry: the schema, then the cross-field rules; errors land on cells."""
    try:
        draft = ResourceDraft.model_validate(values)
    except ValidationError as exc:
        for err in exc.errors():
            path = ".".join(str(p) for p in err["loc"])
            entry.errors.append(entry.locate(path, _message(entry, path, err)))
        return None
    if not entry.errors:  # with a cell left out, the cross-field rules would only add false alarms
        entry.add(rules.check(draft))
    return draft


def _message(entry: ParsedResource, path: str, err: Any) -> str:
    kind = err["type"]
    if kind == "literal_error":
        sheet_columns = ITEM_COLUMNS if path.startswith("items.") else RESOURCE_COLUMNS
        name = path.split(".")[-1]
        column = next((c for c in sheet_columns if c.field == name), None)
        allowed = "、".join(column.allowed) if column else ""
        return f"“{err.get('input')}”不是允许的值" + (f"，应为：{allowed}" if allowed else "")
    return pydantic_message(err)  # the one translation of pydantic's errors (core.i18n)

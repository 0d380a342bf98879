"""The collection catalog spreadsheet: reading it (every bad cell named by sheet, row and column) and
writing it (the blank template, the demo, tests).

Two sheets, linked by 序号:

* 采集资源 — 序号, 资源名称, 责任部门 (exact department name) and/or 统一社会信用代码, 分类代码 (optional),
  更新周期 (optional);
* 采集信息项 — 序号 (of the resource), 信息项名称, 数据类型 (standard code such as ``C`` or its Chinese
  name such as 字符型), 是否必填 (是/否; blank means 是, since the catalog lists what must be collected).

Columns are found by their header in row 1, in any order; other columns and other sheets are ignored.
Reading is pure: departments and classification codes are resolved by the service, which reports its
findings against the same cells. Bad cells are reported the way the catalog's own Excel import reports
them (``import_rejected`` with ``errors`` of sheet, row, column, header, message); a file that is no
workbook at all is ``excel_unreadable``, one too long ``excel_too_many_rows``.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from govdata.core.spreadsheet import CellError
from govdata.catalog.standard import DATA_TYPES, UPDATE_CYCLES
from govdata.collection.matching import normalize
from govdata.core.errors import DomainError
from govdata.core.sheet_guard import FileProblem, Limits, check_xlsx, open_workbook, refusal
from govdata.core.sheet_writer import restore_text, xlsx_row
from govdata.core.validators import credit_code_error

RESOURCE_SHEET = "采集资源"
ITEM_SHEET = "采集信息项"
RESOURCE_HEADERS = ("序号", "资源名称", "责任部门", "统一社会信用代码", "分类代码", "更新周期")
ITEM_HEADERS = ("序号", "信息项名称", "数据类型", "是否必填")
REQUIRED_HEADERS = {RESOURCE_SHEET: ("序号", "资源名称"), ITEM_SHEET: ("序号", "信息项名称", "数据类型")}
MAX_ROWS = 20_000
#: What an import may unpack to; the ratio and the parts as for data files.
IMPORT_LIMITS = Limits(max_unpacked_bytes=100 << 20)
MAX_ERRORS = 200
TYPE_BY_NAME = {name: code for code, (name, _) in DATA_TYPES.items()}
YES = {"是", "y", "yes", "true", "1", "必填", "√"}
NO = {"否", "n", "no", "false", "0", "选填", "非必填", "×"}


def sort_errors(errors: Iterable[CellError]) -> list[CellError]:
    """Sheet by sheet, row by row, column by column; each error once."""
    order = {RESOURCE_SHEET: 0, ITEM_SHEET: 1}
    return sorted(dict.fromkeys(errors), key=lambda e: (order.get(e.sheet, 2), e.row or 0, len(e.column), e.column,
                                                       e.message))


def unreadable(detail: str) -> DomainError:
    return DomainError("excel_unreadable", detail, "The file is not a readable .xlsx workbook")


@dataclass
class Cell:
    """A value with its place in the workbook, so later checks can point at it."""

    sheet: str
    row: int
    column: str
    header: str
    value: str | None

    def error(self, message: str) -> CellError:
        return CellError(self.sheet, self.row, self.column, self.header, message)


@dataclass
class ParsedItem:
    row: int
    name: str
    data_type: str
    required: bool


@dataclass
class ParsedRequirement:
    row: int
    position: int
    resource_name: str
    position_cell: Cell
    name_cell: Cell
    department_cell: Cell
    credit_code_cell: Cell
    classification_cell: Cell
    update_cycle: str | None
    resolvable: bool = True  # False when the department cells were already reported as wrong
    items: list[ParsedItem] = field(default_factory=list)


@dataclass
class ParsedCatalog:
    requirements: list[ParsedRequirement]
    errors: list[CellError]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = restore_text(str(value)).strip()  # the quote a written workbook put before "=…" comes off
    return text or None


class _Sheet:
    """Rows of one sheet as ``{header: Cell}``, blank rows skipped."""

    def __init__(self, sheet: str, rows: Iterable[Sequence[Any]], errors: list[CellError]) -> None:
        self.sheet = sheet
        self.errors = errors
        self.columns: dict[str, int] = {}
        self.rows: list[tuple[int, dict[str, Cell]]] = []
        iterator = iter(rows)
        header = next(iterator, None)
        for index, value in enumerate(header or ()):
            name = _text(value)
            if name and name not in self.columns:
                self.columns[name] = index
        self.header_missing = False
        for name in REQUIRED_HEADERS[sheet]:
            if name not in self.columns:
                errors.append(CellError(sheet, 1, "", name, f"第1行缺少列“{name}”"))
                self.header_missing = True
        if sheet == RESOURCE_SHEET and not {"责任部门", "统一社会信用代码"} & self.columns.keys():
            errors.append(CellError(sheet, 1, "", "责任部门", "第1行须有“责任部门”或“统一社会信用代码”列"))
            self.header_missing = True
        for number, values in enumerate(iterator, start=2):
            if number > MAX_ROWS + 1:
                raise DomainError("excel_too_many_rows", f"“{sheet}”超过{MAX_ROWS}行的上限，请拆分后分批导入",
                                  f"Sheet {sheet} has more than {MAX_ROWS} rows")
            cells = {}
            for name, index in self.columns.items():
                raw = values[index] if index < len(values) else None
                cells[name] = Cell(sheet, number, get_column_letter(index + 1), name, _text(raw))
            if any(c.value is not None for c in cells.values()):
                self.rows.append((number, cells))

    def cell(self, cells: dict[str, Cell], row: int, name: str) -> Cell:
        """The cell under ``name``; a column the sheet lacks reads as blank."""
        if name in cells:
            return cells[name]
        return Cell(self.sheet, row, "", name, None)


def _position(cell: Cell, errors: list[CellError]) -> int | None:
    if cell.value is None:
        errors.append(cell.error("不能为空"))
        return None
    if not cell.value.isdigit() or int(cell.value) < 1:
        errors.append(cell.error(f"须为正整数，而不是“{cell.value}”"))
        return None
    return int(cell.value)


def _name(cell: Cell, limit: int, errors: list[CellError]) -> str | None:
    if cell.value is None:
        errors.append(cell.error("不能为空"))
        return None
    if len(cell.value) > limit:
        errors.append(cell.error(f"超过{limit}个字符"))
        return None
    return cell.value


def _rows(sheet: Any) -> Iterable[tuple[Any, ...]]:
    sheet.reset_dimensions()  # a stale <dimension> could pad every row to 16,384 columns, or cut rows off
    return sheet.iter_rows(values_only=True)  # type: ignore[no-any-return]


def read_workbook(data: bytes) -> ParsedCatalog:
    """Read and check the workbook: the bad cells are returned; a file that cannot be read at all, or is too
    long, raises ``excel_unreadable`` / ``excel_too_many_rows``."""
    if not data:
        raise unreadable("请选择要导入的 .xlsx 文件")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise unreadable("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 格式后再导入")
    try:  # sizes, compression ratio, part names, external links, DTDs: before anything parses it
        check_xlsx(io.BytesIO(data), IMPORT_LIMITS)
    except FileProblem as exc:
        raise refusal(exc, "excel_unreadable") from None
    errors: list[CellError] = []
    try:
        book = open_workbook(io.BytesIO(data))
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise unreadable("文件不是有效的 .xlsx 工作簿（格式不符，或文件已损坏、不完整），请用模板填写后重新上传") from exc
    try:
        missing = [name for name in (RESOURCE_SHEET, ITEM_SHEET) if name not in book.sheetnames]
        for name in missing:
            errors.append(CellError(name, None, "", "", f"缺少工作表“{name}”"))
        if missing:
            return ParsedCatalog([], errors)
        resources = _Sheet(RESOURCE_SHEET, _rows(book[RESOURCE_SHEET]), errors)
        items = _Sheet(ITEM_SHEET, _rows(book[ITEM_SHEET]), errors)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise unreadable("文件内容已损坏，无法读取，请用模板填写后重新上传") from exc
    finally:
        book.close()
    if resources.header_missing or items.header_missing:
        return ParsedCatalog([], errors)
    requirements = _requirements(resources, errors)
    mentioned = _items(items, requirements, errors)
    for requirement in requirements.values():
        if requirement.position not in mentioned:
            errors.append(requirement.position_cell.error(f"该资源在“{ITEM_SHEET}”中没有信息项"))
    if not resources.rows:
        errors.append(CellError(RESOURCE_SHEET, None, "", "", "没有任何资源"))
    return ParsedCatalog(list(requirements.values()), errors)


def _requirements(sheet: _Sheet, errors: list[CellError]) -> dict[int, ParsedRequirement]:
    found: dict[int, ParsedRequirement] = {}
    for row, cells in sheet.rows:
        position_cell = sheet.cell(cells, row, "序号")
        position = _position(position_cell, errors)
        if position is not None and position in found:
            errors.append(position_cell.error(f"序号{position}与第{found[position].row}行重复"))
            position = None
        name_cell = sheet.cell(cells, row, "资源名称")
        name = _name(name_cell, 200, errors)
        department_cell = sheet.cell(cells, row, "责任部门")
        credit_cell = sheet.cell(cells, row, "统一社会信用代码")
        if department_cell.value is None and credit_cell.value is None:
            target = department_cell if "责任部门" in cells else credit_cell
            errors.append(target.error("须填写责任部门名称或统一社会信用代码"))
        resolvable = department_cell.value is not None or credit_cell.value is not None
        if credit_cell.value is not None:
            credit_cell.value = credit_cell.value.upper()
            problem = credit_code_error(credit_cell.value)
            if problem:
                errors.append(credit_cell.error(problem))
                resolvable = False
        classification_cell = sheet.cell(cells, row, "分类代码")
        if classification_cell.value is not None and not (classification_cell.value.isdigit()
                                                          and len(classification_cell.value) <= 12):
            errors.append(classification_cell.error("分类代码须为不超过12位的数字"))
            classification_cell.value = None
        cycle_cell = sheet.cell(cells, row, "更新周期")
        if cycle_cell.value is not None and cycle_cell.value not in UPDATE_CYCLES:
            errors.append(cycle_cell.error(f"更新周期须为：{'、'.join(UPDATE_CYCLES)}"))
        if position is None:
            continue
        found[position] = ParsedRequirement(
            row=row, position=position, resource_name=name or "", position_cell=position_cell, name_cell=name_cell,
            department_cell=department_cell, credit_code_cell=credit_cell, classification_cell=classification_cell,
            update_cycle=cycle_cell.value if cycle_cell.value in UPDATE_CYCLES else None, resolvable=resolvable)
    return found


def _data_type(cell: Cell, errors: list[CellError]) -> str | None:
    value = cell.value
    if value is None:
        errors.append(cell.error("不能为空"))
        return None
    if value.upper() in DATA_TYPES:
        return value.upper()
    if value in TYPE_BY_NAME:
        return TYPE_BY_NAME[value]
    errors.append(cell.error(f"“{value}”不是标准数据类型，应为代码（{'、'.join(DATA_TYPES)}）或其中文名称（如 字符型）"))
    return None


def _required(cell: Cell, errors: list[CellError]) -> bool:
    if cell.value is None:
        return True
    value = cell.value.lower()
    if value in YES:
        return True
    if value in NO:
        return False
    errors.append(cell.error(f"应填“是”或“否”，而不是“{cell.value}”"))
    return True


def _items(sheet: _Sheet, requirements: dict[int, ParsedRequirement], errors: list[CellError]) -> set[int]:
    """Attach the good item rows to their requirements; returns the 序号 that item rows refer to."""
    seen: dict[tuple[int, str], int] = {}
    mentioned: set[int] = set()
    for row, cells in sheet.rows:
        position_cell = sheet.cell(cells, row, "序号")
        position = _position(position_cell, errors)
        if position is not None:
            mentioned.add(position)
        name_cell = sheet.cell(cells, row, "信息项名称")
        name = _name(name_cell, 100, errors)
        data_type = _data_type(sheet.cell(cells, row, "数据类型"), errors)
        required = _required(sheet.cell(cells, row, "是否必填"), errors)
        if position is not None and position not in requirements:
            errors.append(position_cell.error(f"“{RESOURCE_SHEET}”中没有序号为{position}的资源"))
            continue
        if position is None or name is None or data_type is None:
            continue
        key = (position, normalize(name))
        if key in seen:
            errors.append(name_cell.error(f"与第{seen[key]}行的信息项重复"))
            continue
        seen[key] = row
        requirements[position].items.append(ParsedItem(row, name, data_type, required))
    return mentioned


# --- writing -----------------------------------------------------------------------------------------

def build_workbook(resources: Iterable[Sequence[Any]], items: Iterable[Sequence[Any]],
                   resource_headers: Sequence[str] = RESOURCE_HEADERS,
                   item_headers: Sequence[str] = ITEM_HEADERS) -> bytes:
    """A workbook with the two sheets; rows are given in header order."""
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = RESOURCE_SHEET
    first.append(xlsx_row(resource_headers))
    for row in resources:
        first.append(xlsx_row(row))
    second = book.create_sheet(ITEM_SHEET)
    second.append(xlsx_row(item_headers))
    for row in items:
        second.append(xlsx_row(row))
    for sheet in (first, second):
        for index in range(1, sheet.max_column + 1):
            sheet.column_dimensions[get_column_letter(index)].width = 22
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_bytes() -> bytes:
    """The blank template, with one example resource and a sheet of instructions."""
    data = build_workbook(
        [(1, "常住人口基本信息", "云川市公安局", "", "101", "实时")],
        [(1, "公民身份号码", "C", "是"), (1, "姓名", "字符型", "是"), (1, "出生日期", "D", "否")])
    book = load_workbook(io.BytesIO(data))
    notes = book.create_sheet("填写说明")
    for line in (
        "“采集资源”每行一个须采集的资源；“采集信息项”每行一个信息项，用“序号”关联到资源。",
        "责任部门填写部门全称，或在“统一社会信用代码”列填写18位代码（两者都填时须一致）。",
        "分类代码、更新周期可空；更新周期取值：" + "、".join(UPDATE_CYCLES) + "。",
        "数据类型填写代码或中文名称：" + "、".join(f"{c} {n}" for c, (n, _) in DATA_TYPES.items()) + "。",
        "是否必填填写“是”或“否”，空白视为“是”。",
        "导入时逐格校验，任何一格有误则整份不导入，并列出每个有误的单元格。",
    ):
        notes.append(xlsx_row([line]))
    notes.column_dimensions["A"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

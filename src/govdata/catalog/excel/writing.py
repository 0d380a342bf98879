"""Writing a workbook (CAT-1): the empty template and the export of entries, both with drop-downs for the
columns that take a listed value and the ``说明`` sheet (every column, then the code lists of the national
standard); every cell goes through the one cell writer (``core.sheet_writer``). What is written reads back
into the same content.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from govdata.catalog.excel.cells import write_cell
from govdata.catalog.excel.template import (
    EXPORT_COLUMNS,
    HELP_SHEET,
    ITEM_COLUMNS,
    ITEM_SHEET,
    MAX_FILE_BYTES,
    MAX_ITEMS,
    MAX_RESOURCES,
    RESOURCE_COLUMNS,
    RESOURCE_SHEET,
    Column,
    column_letter,
)
from govdata.catalog.standard import CLASSIFICATION, DATA_TYPES, METHODS_FOR_FORMAT
from govdata.core.sheet_writer import xlsx_row

__all__ = ["help_rows", "write_catalog", "write_template"]


def write_template(target: IO[bytes]) -> None:
    """The empty template: the two sheets with their headers and drop-downs, and the 说明 sheet."""
    write_catalog([], target)


def write_catalog(entries: Iterable[dict[str, Any]], target: IO[bytes]) -> None:
    """Write entries (``service.export_catalog`` rows: code, status, version_no and the version's content
    with its items) as a workbook that ``parse_workbook`` reads back into the same content."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    resources = _sheet(workbook, RESOURCE_SHEET, RESOURCE_COLUMNS + EXPORT_COLUMNS)
    item_rows: list[list[Any]] = []
    for number, entry in enumerate(entries, start=1):
        values = {**entry, "key": number}
        resources.append(xlsx_row(write_cell(c, values.get(c.field)) for c in RESOURCE_COLUMNS + EXPORT_COLUMNS))
        for item in entry.get("items", []):
            item_rows.append([number] + [write_cell(c, item.get(c.field)) for c in ITEM_COLUMNS[1:]])
    items = _sheet(workbook, ITEM_SHEET, ITEM_COLUMNS)
    for row in item_rows:
        items.append(xlsx_row(row))
    _write_help(workbook)
    workbook.save(target)


def _sheet(workbook: Any, title: str, columns: tuple[Column, ...]) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    last_row = (MAX_RESOURCES if title == RESOURCE_SHEET else MAX_ITEMS) + 1
    for index, column in enumerate(columns):
        letter = column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        choices = column.allowed if column.kind == "choice" else ("是", "否") if column.kind == "bool" else \
            tuple(DATA_TYPES) if column.kind == "data_type" else ()
        if choices:
            validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                                        showErrorMessage=False)
            validation.add(f"{letter}2:{letter}{last_row}")
            sheet.data_validations.append(validation)
    bold, required_fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        header.append(cell)
    sheet.append(xlsx_row(header))
    return sheet


def help_rows() -> list[list[str]]:
    """The 说明 sheet: every column with whether it is required, how to fill it and its allowed values,
    then the code lists of the national standard."""
    rows: list[list[str]] = [
        ["政务信息资源目录导入模板说明"],
        ["“资源”表每行一个目录资源；“信息项”表每行一个信息项，用“资源序号”指明所属资源。表头为黄色的列必填。"],
        ["导入时逐格校验，每个错误都报告其工作表、行号和列；默认任一行有误则全部不导入，也可选择只导入无误的资源。"],
        [f"单个文件不超过{MAX_FILE_BYTES // (1024 * 1024)} MB，最多{MAX_RESOURCES}个资源、{MAX_ITEMS}个信息项。"],
        [],
        ["工作表", "列名", "是否必填", "填写说明", "允许的值"],
    ]
    for sheet, columns in ((RESOURCE_SHEET, RESOURCE_COLUMNS + EXPORT_COLUMNS), (ITEM_SHEET, ITEM_COLUMNS)):
        for c in columns:
            allowed = "、".join(c.allowed) if c.kind != "bool" else "是、否（也可填 true/false、1/0）"
            rows.append([sheet, c.header, "必填" if c.required else "选填", c.help, allowed])
    rows += [[], ["资源格式与共享方式"], ["资源格式", "可用的共享方式"]]
    rows += [[fmt, "、".join(methods)] for fmt, methods in METHODS_FOR_FORMAT.items()]
    rows += [[], ["数据类型"], ["代码", "名称", "是否须填长度"]]
    rows += [[code, name, "是" if needs else "否"] for code, (name, needs) in DATA_TYPES.items()]
    rows += [[], ["资源分类"], ["分类代码", "名称", "上级分类代码"]]
    rows += [[code, name, parent or ""] for code, name, parent in CLASSIFICATION]
    return rows


def _write_help(workbook: Any) -> None:
    sheet = workbook.create_sheet(HELP_SHEET)
    for letter, width in zip("ABCDE", (14, 16, 12, 60, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in help_rows():
        sheet.append(xlsx_row(row))

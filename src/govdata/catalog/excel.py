"""Excel interchange of a department's catalog (CAT-1): the template, reading a workbook, writing one.

Pure: no database and no HTTP. A workbook has a sheet of resources (one row per catalog entry) and a sheet
of information items linked to their resource by ``资源序号``; ``说明`` explains every column. Reading
streams the sheets (openpyxl read-only mode), turns each cell into the value the API takes, validates each
entry with the API's own schema (``schemas.ResourceDraft``) and cross-field rules (``rules.check``), and maps
every failure back to its sheet, row and column. What needs the database (classification codes, existing
entries) is checked by ``service.import_catalog`` through ``ParsedResource.locate``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from pydantic import ValidationError

from govdata.core.spreadsheet import CellError
from govdata.catalog import rules
from govdata.catalog.models import RESOURCE_STATUSES
from govdata.catalog.schemas import RESOURCE_CODE, ResourceDraft
from govdata.catalog.standard import (
    CLASSIFICATION,
    DATA_LEVELS,
    DATA_TYPES,
    FORMATS,
    METHODS_FOR_FORMAT,
    PII_KINDS,
    SENSITIVITY,
    SHARE_METHODS,
    SHARE_TYPES,
    UPDATE_CYCLES,
)
from govdata.core.errors import DomainError, FieldError
from govdata.core.sheet_guard import FileProblem, Limits, check_xlsx, open_workbook, refusal
from govdata.core.sheet_writer import restore_text, xlsx_row

RESOURCE_SHEET = "资源"
ITEM_SHEET = "信息项"
HELP_SHEET = "说明"
KEY = "资源序号"

# Limits of one upload (CAT-1 interchange); the body limit of the upload routes follows MAX_FILE_BYTES.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_RESOURCES = 5_000
MAX_ITEMS = 50_000
# What the .xlsx (a zip) may unpack to: a guard against compression bombs.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024

TRUE_WORDS = frozenset({"是", "true", "1"})
FALSE_WORDS = frozenset({"否", "false", "0"})
LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
DATA_TYPE_BY_NAME = {name: code for code, (name, _) in DATA_TYPES.items()}


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # the schema field; "key" for 资源序号, "code" for 资源代码
    kind: str  # key | code | text | choice | data_type | bool | int | date | list | info
    required: bool
    help: str
    allowed: tuple[str, ...] = ()
    width: int = 14


def _types_text() -> tuple[str, ...]:
    return tuple(f"{code}（{name}）" for code, (name, _) in DATA_TYPES.items())


RESOURCE_COLUMNS: tuple[Column, ...] = (
    Column(KEY, "key", "key", True, "本表内唯一的序号（如 1、2、3），信息项表用它指明所属资源", width=9),
    Column("资源代码", "code", "code", False, "留空：登记新目录；填写本部门已有目录的资源代码：修改该目录"
           "（生成新的草稿版本，已发布版本在审核通过前保持不变）", width=18),
    Column("资源名称", "name", "text", True, "2～200个字", width=24),
    Column("资源分类代码", "classification_code", "text", True, "见本表下方“资源分类”代码表，如 101（人口）"),
    Column("资源摘要", "summary", "text", True, "5～4000个字，说明资源的内容、来源和用途", width=40),
    Column("资源格式", "format", "choice", True, "", FORMATS),
    Column("共享类型", "share_type", "choice", True, "", SHARE_TYPES),
    Column("共享条件", "share_condition", "text", False, "有条件共享时必填：可共享的部门或字段范围", width=24),
    Column("共享方式", "share_method", "choice", True, "须与资源格式相符，见下方“资源格式与共享方式”", SHARE_METHODS),
    Column("共享依据", "legal_basis", "text", False, "有条件共享、暂不共享时必填：法律、法规或国家政策依据", width=24),
    Column("是否向社会开放", "open_to_public", "bool", False, "填“是”或“否”（也可填 true/false、1/0），留空为否"),
    Column("开放条件", "open_condition", "text", False, "向社会开放的条件"),
    Column("更新周期", "update_cycle", "choice", True, "", UPDATE_CYCLES),
    Column("发布日期", "release_date", "date", False, "日期，如 2024-06-30"),
    Column("关联资源代码", "related_codes", "list", False, "多个资源代码用顿号、逗号或空格分隔", width=18),
    Column("数据分级", "data_level", "choice", False, "留空为“一般”", DATA_LEVELS),
    Column("是否涉密", "secret_declared", "bool", False, "涉及国家秘密的数据填“是”：可登记但永不发布（第二十条）"),
    Column("关键字", "keywords", "text", False, "多个关键字用顿号分隔"),
    Column("变更原因", "change_reason", "text", False, "修改已有目录时填写，记入版本历史"),
)
# Written by the export for the reader's information; ignored by the import.
EXPORT_COLUMNS: tuple[Column, ...] = (
    Column("提供部门", "department", "info", False, "导出时填写，导入时忽略（导入到所选部门）", width=16),
    Column("目录状态", "status", "info", False, "导出时填写，导入时忽略"),
    Column("版本号", "version_no", "info", False, "导出时填写，导入时忽略", width=8),
)
ITEM_COLUMNS: tuple[Column, ...] = (
    Column(KEY, "key", "key", True, "所属资源在“资源”表中的资源序号", width=9),
    Column("信息项名称", "name", "text", True, "中文名称，同一资源内不重复", width=18),
    Column("字段编码", "field_code", "text", True, "小写字母开头，只含小写字母、数字和下划线，同一资源内不重复",
           width=16),
    Column("数据类型", "data_type", "data_type", True, "填代码（如 C）或名称（如 字符型）", _types_text()),
    Column("数据长度", "length", "int", False, "正整数；字符型、数值型必填"),
    Column("是否必填", "required", "bool", False, "填“是”或“否”，留空为否；主键信息项必须为必填"),
    Column("是否主键", "is_key", "bool", False, "填“是”或“否”，留空为否；电子表格、数据库格式至少一个主键"),
    Column("敏感级别", "sensitivity", "choice", False, "留空为 L1；个人信息项不低于 L2", SENSITIVITY),
    Column("个人信息类别", "pii_kind", "choice", False, "不含个人信息时留空", PII_KINDS),
    Column("是否共享", "shared", "bool", False, "填“否”表示对已获批的使用部门也不提供，留空为是"),
    Column("描述", "description", "text", False, "500字以内", width=24),
)
SHEETS = {RESOURCE_SHEET: RESOURCE_COLUMNS, ITEM_SHEET: ITEM_COLUMNS}


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


def _letter(index: int) -> str:
    """Column letter of a 0-based index."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


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
        text = _text(raw)
        if text is None:
            continue
        name = text.rstrip("*＊").strip()
        letter = _letter(index)
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
        yield column, _letter(index), value


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
                key = _text(raw)
                continue
            try:
                value = _convert(column, raw)
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
                key = _text(raw)
                continue
            try:
                values[column.field] = _convert(column, raw)
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
    if kind == "missing":
        return "必填"
    ctx = err.get("ctx") or {}
    if kind == "string_too_short" and "min_length" in ctx:
        return f"至少{ctx['min_length']}个字"
    if kind == "string_too_long" and "max_length" in ctx:
        return f"不能超过{ctx['max_length']}个字"
    if kind == "too_long" and "max_length" in ctx:
        return f"不能超过{ctx['max_length']}项"
    if kind == "value_error":
        return str(ctx.get("error", "")) or str(err["msg"]).removeprefix("Value error, ")
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        return f"应{'不小于' if kind == 'greater_than_equal' else '不大于'}{bound}"
    return str(err["msg"])


# --- cell values -----------------------------------------------------------------------------------------

def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    text = restore_text(str(value)).strip()  # the quote an export put before "=…" comes off
    return text or None


def _convert(column: Column, value: Any) -> Any:
    """The API's value of one non-empty cell; ValueError with a Chinese message when it has none."""
    if column.kind == "bool":
        if isinstance(value, bool):
            return value
        word = (_text(value) or "").lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"“{value}”不是有效的是/否值，请填“是”或“否”（也可填 true/false、1/0）")
    if column.kind == "int":
        if isinstance(value, bool):
            raise ValueError("应为正整数")
        if isinstance(value, int | float) and float(value).is_integer():
            return int(value)
        text = _text(value) or ""
        if text.isdigit():
            return int(text)
        raise ValueError(f"“{value}”不是整数，应为正整数")
    if column.kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = _text(value) or ""
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError(f"“{value}”不是有效日期，应为 YYYY-MM-DD，如 2024-06-30")
    if column.kind == "list":
        return [c for c in LIST_SEPARATORS.split(_text(value) or "") if c]
    text = _text(value)
    if column.kind == "data_type" and text is not None:
        return _data_type(text)
    if column.kind == "code" and text is not None and not RESOURCE_CODE.match(text):
        raise ValueError(f"“{text}”不是有效的资源代码（应为9位分类码-6位序号，如 101000000-000001）；"
                         "登记新目录请留空")
    return text


def _data_type(text: str) -> str:
    """A data type code from "C", "c", "字符型", "C（字符型）" or "C 字符型"; anything else is left for the
    schema to refuse with the list of codes."""
    if text in DATA_TYPE_BY_NAME:
        return DATA_TYPE_BY_NAME[text]
    code, rest = text[:1].upper(), text[1:].strip(" （()）")
    if code in DATA_TYPES and rest in ("", DATA_TYPES[code][0]):
        return code
    return text


# --- writing ---------------------------------------------------------------------------------------------

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
        resources.append(xlsx_row(_out(c, values.get(c.field)) for c in RESOURCE_COLUMNS + EXPORT_COLUMNS))
        for item in entry.get("items", []):
            item_rows.append([number] + [_out(c, item.get(c.field)) for c in ITEM_COLUMNS[1:]])
    items = _sheet(workbook, ITEM_SHEET, ITEM_COLUMNS)
    for row in item_rows:
        items.append(xlsx_row(row))
    _write_help(workbook)
    workbook.save(target)


def _out(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "list":
        return "、".join(value) or None
    if column.field == "status":
        return RESOURCE_STATUSES.get(value, value)
    return value


def _sheet(workbook: Any, title: str, columns: tuple[Column, ...]) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    last_row = (MAX_RESOURCES if title == RESOURCE_SHEET else MAX_ITEMS) + 1
    for index, column in enumerate(columns):
        letter = _letter(index)
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

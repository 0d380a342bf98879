"""Limits on uploaded spreadsheet files, checked before anything parses them: a small XLSX can unpack to
gigabytes of XML (a decompression bomb), a CSV can hold one endless line or a hundred thousand columns.

:func:`check_xlsx` looks at the zip archive only — its directory and the first bytes of each XML part — and
refuses, each with its own stable code and a Chinese message:

* ``file_too_large_unpacked``: the parts together unpack to more than ``max_unpacked_bytes``;
* ``file_compression_ratio``: a part, or the archive as a whole, unpacks to more than ``max_ratio`` times its
  compressed size (parts under 1 MiB aside: small XML parts compress very well). Ordinary workbooks stay
  well under 100; bombs are in the hundreds or thousands. Both checks use the sizes in the zip's directory,
  which bound what Python's ``zipfile`` (and so openpyxl) will ever inflate: a part that claims less is cut
  there and fails its CRC check;
* ``file_unsafe``: more than :data:`MAX_MEMBERS` parts, a part named twice, a part name with ``..``, a leading
  ``/``, a backslash, a drive letter or a NUL, links to other workbooks or external data connections
  (their values would be stale copies of someone else's data), a DTD in an XML part (entity expansion), an
  encrypted part;
* ``file_unreadable``: not a zip archive, or no workbook in it.

The caller then opens the workbook with openpyxl (read-only), refuses a declared ``<dimension>`` beyond
Excel's own limits (:func:`check_dimension`) and counts the header's columns and the non-blank rows against
``max_columns`` / ``max_rows`` while it streams (a declared size is not trusted: Excel's "used range" often
reaches far past the data, and other writers omit it). :class:`Limits` holds the numbers; the data file loads take
them from the settings (``GOVDATA_FILE_MAX_*``, ``GOVDATA_XLSX_MAX_*``), the catalog and collection imports
use their own, smaller ones.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from govdata.core.errors import DomainError

__all__ = ["MAX_MEMBERS", "FileProblem", "Limits", "check_dimension", "check_xlsx", "mib", "open_workbook", "refusal"]

#: Parts a workbook may have (a workbook of a hundred sheets with drawings has a few hundred).
MAX_MEMBERS = 2000
#: Parts smaller than this unpacked are not held to the ratio.
RATIO_FLOOR = 1 << 20
#: Rows and columns of an Excel worksheet, whatever the settings say.
XLSX_ROWS, XLSX_COLUMNS = 1_048_576, 16_384
_HEAD_BYTES = 4096
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)
_EXTERNAL = ("xl/externallinks/", "xl/connections.xml")


class FileProblem(ValueError):
    """The file as a whole cannot or may not be read: ``code`` is stable, ``message`` Chinese."""

    def __init__(self, code: str, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code, self.message, self.message_en = code, message, message_en


@dataclass(frozen=True)
class Limits:
    """What one uploaded file may hold. The defaults are those of the settings."""

    max_rows: int = 5_000_000
    max_columns: int = 1_000
    max_line_bytes: int = 2 << 20
    max_unpacked_bytes: int = 1 << 30
    max_ratio: int = 100

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(max_rows=settings.file_max_rows, max_columns=settings.file_max_columns,
                   max_line_bytes=settings.file_max_line_bytes, max_unpacked_bytes=settings.xlsx_max_unpacked_bytes,
                   max_ratio=settings.xlsx_max_ratio)

    def too_many_rows(self) -> FileProblem:
        return FileProblem("file_too_many_rows", f"文件的数据行数超过上限{self.max_rows:,}行，请拆分后分批导入",
                           f"the file has more than {self.max_rows} data rows; split it")

    @staticmethod
    def past_excel_rows() -> FileProblem:
        return FileProblem("file_too_many_rows", f"工作表的行号超出Excel的上限{XLSX_ROWS:,}行",
                           f"the worksheet has rows past Excel's last row ({XLSX_ROWS})")

    def too_many_columns(self, columns: int | None = None) -> FileProblem:
        counted = f"（共{columns:,}列）" if columns else ""
        return FileProblem("file_too_many_columns", f"文件的列数超过上限{self.max_columns:,}列{counted}，请删去不导入的列",
                           f"the file has more than {self.max_columns} columns")

    def line_too_long(self, near: int | None = None) -> FileProblem:
        where = f"第{near:,}行附近" if near else ""
        return FileProblem("file_line_too_long",
                           f"CSV文件{where}有一行超过{mib(self.max_line_bytes)}（或有引号未成对，使其后的内容连成一行）",
                           f"a CSV line{f' near line {near}' if near else ''} is longer than "
                           f"{self.max_line_bytes} bytes (or a quote is not closed)")


def refusal(problem: FileProblem, unreadable: str = "file_unreadable") -> DomainError:
    """The problem as the domain error an import answers with (``unreadable``: the importer's own code for a
    file that is no workbook)."""
    code = unreadable if problem.code == "file_unreadable" else problem.code
    return DomainError(code, problem.message, problem.message_en)


def mib(size: int) -> str:
    return f"{size / (1 << 20):g} MB"


def _unsafe(message: str, message_en: str) -> FileProblem:
    return FileProblem("file_unsafe", message, message_en)


def _bad_name(name: str) -> bool:
    parts = name.split("/")
    return (name.startswith("/") or "\\" in name or "\0" in name or ".." in parts
            or re.match(r"[A-Za-z]:", name) is not None)


def check_xlsx(source: IO[bytes], limits: Limits) -> None:
    """Refuse (``FileProblem``) a workbook that is not a sane zip archive of a workbook within ``limits``;
    reads the archive's directory and the first few KB of its XML parts, nothing more. ``source`` is left
    open (at any position)."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise FileProblem("file_unreadable", "Excel文件无法读取：文件不是有效的 .xlsx 工作簿（格式不符，或已损坏、不完整）",
                          "not a readable XLSX workbook") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _unsafe(f"Excel文件内含{len(infos):,}个部件，超过{MAX_MEMBERS}个的上限",
                          f"the workbook has more than {MAX_MEMBERS} parts")
        seen: set[str] = set()
        unpacked = packed = 0
        for info in infos:
            name = info.filename
            if _bad_name(name) or name.lower() in seen:
                raise _unsafe(f"Excel文件内的部件名“{name[:100]}”不合规（重复、含“..”或绝对路径）",
                              f"the workbook has a part named {name[:100]!r}")
            seen.add(name.lower())
            if info.flag_bits & 0x1:
                raise _unsafe("Excel文件已加密，请在Excel中取消密码后另存再上传", "the workbook is encrypted")
            if name.lower().startswith(_EXTERNAL):
                raise _unsafe("工作簿引用了其他工作簿或外部数据连接，其中的值可能不是最新的；请在Excel中“断开链接”"
                              "（数据→编辑链接）并删除数据连接后另存再上传",
                              "the workbook links to other workbooks or external data")
            unpacked += info.file_size
            packed += info.compress_size
            if unpacked > limits.max_unpacked_bytes:
                raise FileProblem("file_too_large_unpacked",
                                  f"Excel文件解压后超过{mib(limits.max_unpacked_bytes)}的上限，请拆分后分批导入",
                                  f"the workbook unpacks to more than {limits.max_unpacked_bytes} bytes")
            if info.file_size > RATIO_FLOOR and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise _ratio(limits, info.file_size, info.compress_size)
        if unpacked > RATIO_FLOOR and unpacked > limits.max_ratio * max(packed, 1):
            raise _ratio(limits, unpacked, packed)
        if "xl/workbook.xml" not in seen:
            raise FileProblem("file_unreadable", "Excel文件无法读取：压缩包中没有Excel工作簿",
                              "the archive holds no workbook")
        for info in infos:
            if info.filename.lower().endswith((".xml", ".rels", ".vml")) and info.file_size:
                with archive.open(info) as part:
                    head = part.read(_HEAD_BYTES)
                if _DTD.search(head):
                    raise _unsafe("Excel文件中含有DTD声明（可用于实体膨胀攻击），不予读取",
                                  "an XML part of the workbook declares a DTD")


def _ratio(limits: Limits, unpacked: int, packed: int) -> FileProblem:
    return FileProblem("file_compression_ratio",
                       f"Excel文件压缩比异常（解压后是压缩时的{unpacked // max(packed, 1):,}倍，上限{limits.max_ratio}倍），"
                       "疑似压缩炸弹，不予读取；如确为正常文件，请另存为CSV后上传",
                       f"the workbook unpacks to {unpacked // max(packed, 1)} times its size "
                       f"(at most {limits.max_ratio}): refused as a decompression bomb")


def check_dimension(rows: int | None, columns: int | None) -> None:
    """Refuse a worksheet whose declared size (``<dimension>``) is beyond what Excel allows. Within that, a
    declared size is not trusted (Excel's used range often reaches far past the data): rows and columns are
    counted against the limits as they are read."""
    if (columns or 0) > XLSX_COLUMNS or (rows or 0) > XLSX_ROWS:
        raise FileProblem("file_unsafe", f"工作表声明的大小（{rows or 0:,}行×{columns or 0:,}列）超出Excel的上限",
                          f"the worksheet declares {rows} rows by {columns} columns, beyond Excel's limits")


# --- opening, once checked -------------------------------------------------------------------------------

def _declared_size(sheet: Any) -> None:
    """``ReadOnlyWorksheet._get_size`` reading no further than the start of ``<sheetData>``.

    openpyxl's own looks for ``<dimension>`` with "end" events and stops at the *end* of ``<sheetData>``, so a
    worksheet without ``<dimension>`` (openpyxl's write-only mode, the data service's exports and some other
    writers leave it out) is parsed whole when the workbook is opened, before a row is asked for: 2.6 s for
    100,000 rows, inside the upload request that only wants the header. ``<dimension>`` comes before
    ``<sheetData>`` in the schema, and openpyxl's search ends at ``<sheetData>`` too, so the result is the same."""
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.functions import iterparse

    with sheet._get_source() as source:
        for _event, element in iterparse(source, events=("start",)):
            if element.tag == DIMENSION_TAG:
                sheet._min_column, sheet._min_row, sheet._max_column, sheet._max_row = \
                    SheetDimension.from_tree(element).boundaries
                return
            if element.tag == DATA_TAG:
                return


def open_workbook(source: IO[bytes]) -> Any:
    """openpyxl's read-only workbook of values (``data_only``, links to other workbooks not kept), opened
    without parsing whole worksheets to learn their size; ``source`` has passed :func:`check_xlsx`."""
    import openpyxl
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    if ReadOnlyWorksheet._get_size is not _declared_size:
        ReadOnlyWorksheet._get_size = _declared_size
    return openpyxl.load_workbook(source, read_only=True, data_only=True, keep_links=False)

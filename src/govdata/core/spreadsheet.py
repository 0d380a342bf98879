"""What every Excel import reports: one bad cell (or row, or sheet) with its place and a Chinese message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CellError:
    """One bad cell (or row, or sheet): ``row`` is the sheet's row number, ``column`` its letter."""

    sheet: str
    row: int | None
    column: str
    header: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "header": self.header,
                "message": self.message}

    def text(self) -> str:
        where = self.sheet + (f" 第{self.row}行" if self.row else "") + (f" {self.column}列" if self.column else "")
        return f"{where}{'（' + self.header + '）' if self.header else ''}：{self.message}"

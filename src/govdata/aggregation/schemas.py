"""Response shapes of the aggregation API (requests are raw JSON arrays or NDJSON, parsed by the service)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ProblemOut(BaseModel):
    field: str
    code: str
    message: str


class RejectedRow(BaseModel):
    row: int = Field(description="1-based position in the batch (the line number for NDJSON)")
    key: str | None = Field(None, description="the record key when the key items could be read")
    problems: list[ProblemOut]


class PushOut(BaseModel):
    batch_id: int
    dataset: str = Field(description="the catalog resource code")
    mode: Literal["all", "partial"]
    status: Literal["committed", "rejected"]
    received: int = Field(description="rows in the payload")
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    duplicates: int = Field(0, description="rows whose key came again later in the same batch (the later won)")
    rejections: list[RejectedRow] = []


class RecordOut(BaseModel):
    dataset: str
    key: str
    version: int
    batch_id: str | None
    ingested_at: str | None
    values: dict[str, Any] = Field(description="field code → value; money (Y) as a decimal string in yuan, dates "
                                                "ISO 8601, binary base64")

"""Request and response shapes of the file-load API (AGG-5): ``/api/v1/datasets/{code}/loads`` and
``/api/v1/loads/{id}``."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from govdata.aggregation.schemas import PushOut


class MappingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mapping: dict[str, str | None] = Field(
        description="every column of the file → the field code of an information item, or null: the column is "
                    "not collected. Each item at most once; every key item must be mapped.")
    mode: Literal["all", "partial"] | None = Field(
        None, description="all: any rejected row rejects the whole file; partial: the good rows are written; "
                          "left out: the mode chosen at upload stays")


class LoadResultOut(PushOut):
    rejections: list[Any] = Field([], description="the first 100 rejected rows (row = line in the file, the "
                                                  "header being line 1); all of them are in the report")
    report: bool = Field(False, description="a rejection report is available at /api/v1/loads/{id}/report")


class LoadProgressOut(BaseModel):
    state: Literal["running", "done", "failed"] = Field(description="failed: the last run ended before anything was "
                                                                     "recorded (``code`` and ``message`` say why); "
                                                                     "the load can be run again")
    queued: bool = Field(False, description="running, but waiting for a free worker of the server process")
    rows_done: int
    rows_expected: int | None = Field(None, description="an estimate (CSV), or null when unknown (XLSX)")
    percent: int | None
    code: str | None = Field(None, description="the error code of a failed run (docs/api-errors.md)")
    message: str | None = None


class FileLoadOut(BaseModel):
    id: int
    dataset_id: int
    dataset: str | None = Field(None, description="the catalog resource code, when known to this reply")
    filename: str
    size: int = Field(description="bytes")
    digest: str = Field(description="SM3 of the file")
    file_format: Literal["csv", "xlsx"]
    encoding: str | None = Field(description="utf-8 | gb18030 (CSV)")
    headers: list[str] = Field(description="the file's column names, in order")
    sample: list[list[str]] = Field(description="the first rows, as text")
    mapping: dict[str, str | None] = Field(description="column → field code (null: not collected); after upload "
                                                       "the proposed mapping (by field code or item name)")
    mode: Literal["all", "partial"]
    status: Literal["uploaded", "committed", "rejected", "failed"]
    actor_name: str
    batch_id: int | None
    result: LoadResultOut | None
    report: bool = Field(description="a rejection report can be downloaded")
    created_at: dt.datetime
    finished_at: dt.datetime | None
    progress: LoadProgressOut | None = Field(None, description="while the load runs in this server process, or when "
                                                               "its last run there failed")


def file_load_out(load: Any, code: str | None = None, progress: Any = None) -> FileLoadOut:
    """The reply for a FileLoad (read inside the unit of work)."""
    result = load.result or None
    return FileLoadOut(
        id=load.id, dataset_id=load.dataset_id, dataset=code or (result or {}).get("dataset"), filename=load.filename,
        size=load.size, digest=load.digest, file_format=load.file_format, encoding=load.encoding,
        headers=list(load.headers or []), sample=[[str(v) for v in row] for row in load.sample or []],
        mapping=dict(load.mapping or {}), mode=load.mode, status=load.status, actor_name=load.actor_name,
        batch_id=load.batch_id, result=LoadResultOut.model_validate(result) if result else None,
        report=bool(load.report_name), created_at=load.created_at, finished_at=load.finished_at,
        progress=None if progress is None else progress_out(progress))


def progress_out(progress: Any) -> LoadProgressOut:
    """The reply for an ``aggregation.progress.LoadProgress``."""
    return LoadProgressOut(state=progress.state, queued=progress.queued, rows_done=progress.done,
                           rows_expected=progress.expected, percent=progress.percent, code=progress.code,
                           message=progress.message)

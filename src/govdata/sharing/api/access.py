"""The data service API under /api/v1/share/{code} (SHR-3): signed business systems read what their grant
allows. People's tokens and browser sessions are refused (403 ``forbidden``); see
``sharing.service.access`` for the rules and docs/api-errors.md for every code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from govdata.sharing.service import access as service
from govdata.web.edge import call, call_recorded

router = APIRouter(prefix="/api/v1/share", tags=["sharing: data service"])

Code = Annotated[str, Path(max_length=64, description="the catalog resource code")]
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "signature missing or invalid (signature_*, app_key_*, timestamp_*, nonce_*)"},
    403: {"description": "share_not_granted, share_grant_expired | suspended | revoked, share_resource_withdrawn, "
                         "share_method_not_granted, share_item_not_granted, share_filter_not_allowed, "
                         "system_not_approved, forbidden (not a signed system)"},
    404: {"description": "record unknown, deleted, or outside the grant's row scope"},
    422: {"description": "malformed filter or parameter; share_cursor_invalid"},
    429: {"description": "share_rate_limited / share_quota_exceeded / share_verify_misses_exceeded; header "
                         "Retry-After gives the seconds to wait"},
}
_FILTERS = ("Filters on granted items, one per query parameter, all of which must hold: `item=eq:value`, "
            "`item=in:v1,v2` (at most 50), `item=prefix:text` (text items), `item=range:low,high` (either "
            "end may be empty). A filter on an item outside the grant is refused (403 "
            "share_item_not_granted). A masked item takes no filter (403 share_filter_not_allowed), except an "
            "item masked by the keyed hash, matched by the digests the API returned (`item=eq:<digest>`, "
            "`item=in:<d1>,<d2>`). To verify one person, look the record up by its whole key. When the key is "
            "masked, records come in the order they were written, and a page may hold fewer than `limit` "
            "records when digests are matched: follow `next_cursor` until it is null.")


class SharedRecord(BaseModel):
    resource: str
    key: str | None = Field(None, description="the key asked for, when every key item is granted in clear")
    key_hash: str | None = Field(None, description="keyed digest standing for the key otherwise")
    version: int
    updated_at: str | None
    values: dict[str, Any] = Field(description="granted items only, masked as the grant says")
    masking: dict[str, str] = Field(description="item -> masking rule applied (sharing.masking.RULES)")


class SharedRow(BaseModel):
    key: str | None = Field(None, description="the record key, when every key item is granted in clear")
    key_hash: str | None = Field(None, description="keyed digest standing for the key otherwise (stable per "
                                                   "consumer department)")
    version: int
    updated_at: str | None
    values: dict[str, Any]


class RecordPage(BaseModel):
    resource: str
    records: list[SharedRow]
    count: int
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")
    masking: dict[str, str]


class Change(BaseModel):
    seq: int = Field(description="sequence number of the version; the feed is in this order")
    op: Literal["upsert", "delete"] = Field(description="delete: deleted, or left the grant's row scope")
    key: str | None = None
    key_hash: str | None = None
    version: int
    at: str | None
    values: dict[str, Any] | None = Field(None, description="upsert only")


class ChangesPage(BaseModel):
    resource: str
    changes: list[Change]
    next_since: int = Field(description="pass as `since` next time")
    has_more: bool
    masking: dict[str, str]


@router.get("/{code}/records/{key:path}", responses={200: {"model": SharedRecord}, **_ERRORS})
async def read_record(request: Request, code: Code, key: Annotated[str, Path(max_length=512)]) -> JSONResponse:
    """One current record by key (grant access method 接口 ``api``): a few indexed reads and the call's
    record, whose commit is awaited before the answer (``call_recorded``). When the grant masks the key this
    is a verification (核验): misses are budgeted per consumer department and day (429 share_verify_misses_exceeded)."""
    return JSONResponse(await call_recorded(request, service.read_record, code, key))


@router.get("/{code}/records", responses={200: {"model": RecordPage}, **_ERRORS}, description=_FILTERS)
def query_records(request: Request, code: Code,
                  cursor: Annotated[str | None, Query(max_length=2048)] = None,
                  limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 100) -> JSONResponse:
    """Current records meeting the filters, in key order (write order when the key is masked), a page at a
    time (access method 接口 ``api``). A cursor is valid only for the query that returned it."""
    params = request.query_params.multi_items()
    return JSONResponse(call(request, service.query_records, code, params, cursor, limit))


@router.get("/{code}/changes", responses={200: {"model": ChangesPage}, **_ERRORS})
def read_changes(request: Request, code: Code,
                 since: Annotated[int, Query(ge=0, le=2**62, description="last `seq` seen; 0 at first")] = 0,
                 limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 500) -> JSONResponse:
    """Versions written after ``since``: updates, deletions, and records leaving the row scope (access method
    库表 ``table``, to keep a table of one's own in step)."""
    return JSONResponse(call(request, service.read_changes, code, since, limit))


@router.get("/{code}/export", description=_FILTERS, responses={
    200: {"description": "the file", "content": {m: {} for m, _ in service.FORMATS.values()}}, **_ERRORS})
def export_records(request: Request, code: Code,
                   format: Literal["csv", "xlsx", "parquet"] = "csv") -> StreamingResponse:
    """Every current record meeting the filters as a file (access method 文件 ``file``): CSV (UTF-8 with BOM),
    XLSX or Parquet. The call is recorded before the first byte is sent."""
    params = request.query_params.multi_items()
    export: service.Export = call(request, service.export_records, code, format, params)
    headers = {"Content-Disposition": f'attachment; filename="{export.filename}"',
               "X-Record-Count": str(export.rows)}
    return StreamingResponse(_chunks(export.file), media_type=export.media_type, headers=headers)


def _chunks(file: IO[bytes], size: int = 256 * 1024) -> Iterator[bytes]:
    try:
        while chunk := file.read(size):
            yield chunk
    finally:
        file.close()

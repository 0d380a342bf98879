"""JSON routes of the real-time push and the provider's record check, under /api/v1/datasets."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from govdata.aggregation import service
from govdata.aggregation.schemas import PushOut, RecordOut
from govdata.web.edge import call

# A batch of up to 10,000 records may be wider than the general body limit.
BODY_LIMITS = {"/api/v1/datasets/*/records": 16 * 1024 * 1024}

router = APIRouter(prefix="/api/v1/datasets", tags=["aggregation"])

_PUSH_BODY = {
    "requestBody": {
        "required": True,
        "description": f"A JSON array of records, or NDJSON (one JSON object per line, Content-Type "
                       f"application/x-ndjson); at most {service.MAX_ROWS} rows. Field names are the registered "
                       "field codes of the entry's information items.",
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    },
}


@router.post("/{code}/records", response_model=PushOut, openapi_extra=_PUSH_BODY,
             responses={409: {"description": "not published / not structured / Idempotency-Key reused"},
                        422: {"description": "malformed payload, too many rows, or batch_rejected (mode=all)"}})
async def push_records(
    request: Request,
    code: str,
    mode: Literal["all", "partial"] = "all",
    idempotency_key: Annotated[str | None, Header(max_length=service.MAX_IDEMPOTENCY_KEY,
                                                  description="one value per batch; a retry with the same "
                                                              "key and body is answered, not applied again")] = None,
) -> JSONResponse:
    """Push records of a published structured entry (signed business systems of the providing department;
    its data manager for corrections). Upsert by record key, append-only versions. ``mode=all`` (default):
    any rejected row rejects the whole batch (422 ``batch_rejected``); ``mode=partial``: good rows are
    written and rejected ones listed. A replayed batch answers with header ``Idempotent-Replayed: true``."""
    raw = getattr(request.state, "raw_body", None)
    if raw is None:
        raw = await request.body()
    result: service.PushResult = await run_in_threadpool(
        call, request, service.push_records, code, raw, request.headers.get("content-type"), idempotency_key, mode)
    headers = {"Idempotent-Replayed": "true"} if result.replayed else None
    return JSONResponse(PushOut.model_validate(result.body).model_dump(mode="json"), headers=headers)


@router.get("/{code}/records/{key}", response_model=RecordOut)
def get_record(request: Request, code: str, key: str) -> object:
    """The current version of one record, for the providing department's own check (and the overseers)."""
    return call(request, service.get_record, code, key)

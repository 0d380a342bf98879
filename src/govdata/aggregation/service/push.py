"""Aggregation services (AGG): real-time push of records by the providing department, the provider's own
check of a record, and the dataset table that follows a structured catalog entry's publication.

Push, step by step (``push_records``):

1. who: a signed business system of the providing department, its data manager, or the platform admin;
   the entry must be published (``resource_not_published``) and structured (``dataset_not_structured``);
2. idempotency: the same (dataset, actor, ``Idempotency-Key``) with the same SM3 digest of the body
   answers the stored reply and writes nothing; with another digest → 409 ``idempotency_key_reused``;
3. parse a JSON array or NDJSON (a syntax error names its line), at most ``MAX_ROWS`` rows;
4. validate every row against the published version's information items (``validation.Validator``);
   fields beyond the registered items are refused and recorded as ONE ``scope_expansion`` finding per
   batch for the supervisor (SUP-5) — also when the batch is rejected as a whole;
5. upsert by record key, append-only: a new key is inserted as version 1; a key whose content hash differs
   from its current version gets version current+1 (the old version stays); the same hash writes nothing.
   A key that comes twice in one batch is counted once and the later row wins (``duplicates`` says how
   many rows were superseded this way). A key whose current version is a tombstone is written again as
   the next version and counted as inserted.
6. ``mode=all`` (default): any rejected row → 422 ``batch_rejected`` listing every row's problems; only the
   Batch record (status rejected), the finding and the audit entry are kept, no data. ``mode=partial``:
   the good rows are written and the reply lists the rejected ones.

Transactions: when the dataset tables live in the control-plane database (the default), the data rows,
the Batch record and the audit entry commit together. With ``GOVDATA_DATA_DATABASE_URL`` the data rows are
written and committed first in the data database, then the control plane commits. A crash between the
two leaves data rows whose ``batch_id`` names no Batch record and no recorded reply; the client's retry
with the same ``Idempotency-Key`` finds no stored batch and applies the batch again — rows already written
have the same content hash and count as unchanged — so the result converges.
"""


from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from govdata.aggregation import policy
from govdata.aggregation.service.ingest import MODES, commit_batch, replayed, target_of, validate_rows
from govdata.aggregation.service.common import (
    resource_by_code,
)
from govdata.core.actor import Actor
from govdata.core.crypto import sm3_hex
from govdata.core.errors import DomainError, invalid
from govdata.core.policy import authorize

MAX_ROWS = 10_000
MAX_IDEMPOTENCY_KEY = 100
NDJSON_TYPES = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl",
                          "application/json-lines", "application/x-jsonlines"})



@dataclass
class PushResult:
    body: dict[str, Any]
    replayed: bool = False


def _malformed(message: str, message_en: str) -> DomainError:
    return invalid("body", message, code="payload_malformed", message_en=message_en)


def _too_many(count: str) -> DomainError:
    return invalid("body", f"单批最多{MAX_ROWS}条记录，本批{count}条", code="batch_too_large",
                   message_en=f"at most {MAX_ROWS} rows per batch, got {count}")


def parse_records(payload: bytes, content_type: str | None) -> tuple[list[Any], str]:
    """The rows of a JSON array or NDJSON body, and the medium ("json" or "ndjson")."""
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _malformed("请求体不是有效的UTF-8编码", "the body is not valid UTF-8") from None
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if not text.strip():
        raise _malformed("请求体中没有记录", "the body holds no rows")
    if media in NDJSON_TYPES or not text.lstrip().startswith("["):
        rows: list[Any] = []
        for line_no, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            if len(rows) >= MAX_ROWS:
                raise _too_many(f"超过{MAX_ROWS}")
            try:
                row = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as exc:
                raise _malformed(f"第{line_no}行不是有效的JSON：{_json_reason(exc)}",
                                 f"line {line_no} is not valid JSON: {exc}") from None
            if not isinstance(row, dict):
                raise _malformed(f"第{line_no}行应为JSON对象（一行一条记录）", f"line {line_no} is not a JSON object")
            rows.append((line_no, row))
        return rows, "ndjson"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _malformed(f"第{exc.lineno}行第{exc.colno}列JSON格式错误：{_json_reason(exc)}",
                         f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise _malformed("JSON嵌套层级过深", "JSON nested too deeply") from None
    if not isinstance(data, list):
        raise _malformed("请求体应为JSON数组或NDJSON（每行一条记录）", "the body must be a JSON array or NDJSON")
    if len(data) > MAX_ROWS:
        raise _too_many(str(len(data)))
    for n, row in enumerate(data, 1):
        if not isinstance(row, dict):
            raise _malformed(f"第{n}条记录应为JSON对象", f"row {n} is not a JSON object")
    return list(enumerate(data, 1)), "json"


_JSON_REASONS = {"Expecting value": "缺少值", "Expecting property name enclosed in double quotes": "属性名须用双引号",
                 "Expecting ',' delimiter": "缺少逗号", "Expecting ':' delimiter": "缺少冒号",
                 "Extra data": "多余的内容", "Unterminated string starting at": "字符串未结束"}


def _json_reason(exc: Exception) -> str:
    msg = getattr(exc, "msg", None) or "嵌套层级过深"
    return _JSON_REASONS.get(msg, msg)



# --- push ----------------------------------------------------------------------------------------------


def push_records(session: Session, actor: Actor, code: str, payload: bytes, content_type: str | None,
                 idempotency_key: str | None, mode: str = "all") -> PushResult:
    """Validate and upsert one batch of records of the structured catalog entry ``code`` (see the module
    docstring for the rules). Returns the reply body; ``replayed`` when it is a stored one."""
    resource = resource_by_code(session, code)
    authorize(actor, policy.push_records, resource)
    if mode not in MODES:
        raise invalid("mode", "应为 all 或 partial", message_en="must be all or partial")
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()
        if not idempotency_key or len(idempotency_key) > MAX_IDEMPOTENCY_KEY or not idempotency_key.isascii():
            raise invalid("Idempotency-Key", f"应为1至{MAX_IDEMPOTENCY_KEY}个ASCII字符",
                          message_en=f"must be 1 to {MAX_IDEMPOTENCY_KEY} ASCII characters")
    target = target_of(session, resource)
    digest = sm3_hex(payload)
    prior = replayed(session, target, actor, idempotency_key, digest)
    if prior is not None:
        return PushResult(prior, replayed=True)
    rows, medium = parse_records(payload, content_type)
    checked = validate_rows(target, rows)
    body = commit_batch(session, target, actor, checked, source="push", medium=medium, mode=mode, digest=digest,
                        idempotency_key=idempotency_key, action="aggregation.push_records")
    return PushResult(body)

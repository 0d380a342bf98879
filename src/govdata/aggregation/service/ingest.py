"""The ingest core every way in shares (push, file load, database pull, stream): idempotent batches, row
validation against the published version's items, scope-expansion findings, the Batch lineage record, the
append-only upsert, the audit entry and the quality refresh — so the rules hold however data arrives.

The callers look up the entry and check their own policy rule first, then::

    target = target_of(session, resource)
    replay = replayed(session, target, actor, idempotency_key, digest)   # a stored reply, or None
    checked = validate_rows(target, rows)
    body = commit_batch(session, target, actor, checked, source=..., medium=..., mode=..., digest=..., ...)

``commit_batch`` raises ``batch_rejected`` (keeping the Batch record, finding and audit entry) when
``mode="all"`` and any row was rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govdata.aggregation.models import Batch, Dataset, Finding
from govdata.aggregation.service.common import (
    KEY_SAMPLE,
    MAX_KEY_LENGTH,
    dataset_for,
    key_too_long,
    published_structured,
    raw_key,
    upsert,
)
from govdata.aggregation.validation import ItemSpec, Validator, content_hash
from govdata.catalog.models import Resource, ResourceVersion
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.db import utcnow
from govdata.core.errors import Conflict, DomainError, FieldError

MODES = ("all", "partial")


@dataclass
class Target:
    """A published structured catalog entry, the version rows are checked against, and its dataset."""

    resource: Resource
    version: ResourceVersion
    dataset: Dataset

    @property
    def specs(self) -> list[ItemSpec]:
        return [ItemSpec.from_item(item) for item in self.version.items]


@dataclass
class Checked:
    """Rows after validation: the good ones by record key (later rows of a key win), every rejected row with
    its problems, the out-of-scope field names seen, and how many rows a later row of the same key replaced."""

    received: int = 0
    good: dict[str, tuple[dict[str, object], str]] = field(default_factory=dict)
    rejections: list[dict[str, Any]] = field(default_factory=list)
    unknown: set[str] = field(default_factory=set)
    duplicates: int = 0


def target_of(session: Session, resource: Resource) -> Target:
    """The entry's published version and dataset; refuses entries that are not published or not structured."""
    version = published_structured(session, resource)
    return Target(resource, version, dataset_for(session, resource, version))


def replayed(session: Session, target: Target, actor: Actor, idempotency_key: str | None,
             digest: str) -> dict[str, Any] | None:
    """The stored reply of an earlier batch with this actor's ``idempotency_key``: returned when the payload
    digest matches (a rejected one is raised again), 409 ``idempotency_key_reused`` when it does not."""
    if idempotency_key is None:
        return None
    prior = session.scalar(select(Batch).where(Batch.dataset_id == target.dataset.id,
                                               Batch.actor_name == actor.name,
                                               Batch.idempotency_key == idempotency_key))
    if prior is None:
        return None
    if prior.payload_digest != digest:
        raise Conflict("该幂等键已用于内容不同的批次，请为新批次使用新的幂等键",
                       "This Idempotency-Key was used for a different payload", code="idempotency_key_reused")
    if prior.status == "rejected":
        raise rejection(prior.result or {})
    return dict(prior.result or {})


def validate_rows(target: Target, rows: Iterable[tuple[int, Mapping[str, object]]]) -> Checked:
    """Check ``(row number, raw row)`` pairs against the target's items, row by row."""
    specs = target.specs
    validator = Validator(specs)
    key_codes = [s.field_code for s in specs if s.is_key]
    checked = Checked()
    for row_no, raw in rows:
        checked.received += 1
        result = validator.check(raw)
        problems = result.problems
        if not problems and result.key is not None and len(result.key) > MAX_KEY_LENGTH:
            problems = [key_too_long(key_codes)]
        if problems:
            checked.unknown.update(p.field for p in problems if p.code == "out_of_scope")
            checked.rejections.append({"row": row_no, "key": raw_key(dict(raw), key_codes),
                                       "problems": [{"field": p.field, "code": p.code, "message": p.message}
                                                    for p in problems]})
            continue
        values = result.values
        assert values is not None
        row_hash = content_hash(values)
        # A dataset without key items keys each row by its content: a repeated row is unchanged.
        key = result.key if result.key is not None else row_hash
        if key in checked.good:
            checked.duplicates += 1
        checked.good[key] = (values, row_hash)
    return checked


def open_batch(session: Session, target: Target, actor: Actor, *, source: str, medium: str | None, mode: str,
               digest: str, idempotency_key: str | None, status: str, rejected: int,
               unknown: set[str] | None = None, out_of_scope_rows: int = 0) -> Batch:
    """The Batch lineage record (flushed, so it has an id) and, when fields beyond the registered items came,
    one ``scope_expansion`` finding for the supervisor (SUP-5)."""
    batch = Batch(dataset_id=target.dataset.id, source=source, actor_kind=actor.kind, actor_name=actor.name,
                  system_id=actor.system_id, user_id=actor.user_id, department_id=target.resource.department_id,
                  idempotency_key=idempotency_key, payload_digest=digest, medium=medium, mode=mode, status=status,
                  inserted=0, updated=0, unchanged=0, rejected=rejected)
    session.add(batch)
    session.flush()
    if unknown:
        session.add(Finding(kind="scope_expansion", dataset_id=target.dataset.id,
                            department_id=target.resource.department_id, actor_name=actor.name,
                            detail={"fields": sorted(unknown), "batch_id": batch.id,
                                    "resource_code": target.resource.code, "rows": out_of_scope_rows}))
    return batch


def close_batch(session: Session, target: Target, actor: Actor, batch: Batch, *, action: str,
                counts: dict[str, int], written_keys: list[str], body: dict[str, Any],
                detail: dict[str, Any] | None = None) -> None:
    """Counts and reply on the Batch, the dataset's last aggregation, the audit entry (fields and a sample of
    keys, never values), and the quality refresh after a committed batch."""
    dataset = target.dataset
    batch.inserted, batch.updated, batch.unchanged = counts["inserted"], counts["updated"], counts["unchanged"]
    batch.result = body
    if batch.status == "committed":
        dataset.last_batch_at = utcnow()
        dataset.row_count_estimate = (dataset.row_count_estimate or 0) + counts["inserted"]
    field_codes = [item.field_code for item in target.version.items]
    audit.record(session, actor, action, object_type="dataset", object_id=target.resource.code,
                 result="success" if batch.status == "committed" else "failure", medium=batch.medium,
                 department_id=target.resource.department_id,
                 data_content={"fields": field_codes, "count": len(written_keys), "keys": written_keys[:KEY_SAMPLE]},
                 detail={"batch_id": batch.id, "source": batch.source, "mode": batch.mode, "status": batch.status,
                         "payload_digest": batch.payload_digest, "idempotency_key": batch.idempotency_key,
                         "received": body.get("received"), **counts, "rejected": batch.rejected, **(detail or {})})
    session.flush()
    if batch.status == "committed":
        _after_batch(session, dataset, batch)


def _after_batch(session: Session, dataset: Dataset, batch: Batch) -> None:
    from govdata.aggregation.service import quality

    hook = getattr(quality, "after_batch", None)
    if hook is not None:
        hook(session, dataset, batch)


def commit_batch(session: Session, target: Target, actor: Actor, checked: Checked, *, source: str,
                 medium: str | None, mode: str, digest: str, idempotency_key: str | None = None,
                 action: str) -> dict[str, Any]:
    """Record and (unless rejected as a whole) write a validated batch; returns the reply body."""
    status = "rejected" if checked.rejections and mode == "all" else "committed"
    out_of_scope_rows = sum(1 for r in checked.rejections if any(p["code"] == "out_of_scope" for p in r["problems"]))
    batch = open_batch(session, target, actor, source=source, medium=medium, mode=mode, digest=digest,
                       idempotency_key=idempotency_key, status=status, rejected=len(checked.rejections),
                       unknown=checked.unknown, out_of_scope_rows=out_of_scope_rows)
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    written_keys: list[str] = []
    field_codes = [item.field_code for item in target.version.items]
    if status == "committed" and checked.good:
        counts, written_keys = upsert(session, target.dataset, batch, checked.good, field_codes)
    body = {"batch_id": batch.id, "dataset": target.resource.code, "mode": mode, "status": status,
            "received": checked.received, **counts, "rejected": len(checked.rejections),
            "duplicates": checked.duplicates, "rejections": checked.rejections}
    close_batch(session, target, actor, batch, action=action, counts=counts, written_keys=written_keys, body=body,
                detail={"out_of_scope_fields": sorted(checked.unknown) or None})
    if status == "rejected":
        # Keep the Batch record, the finding and the audit entry; no data row was written.
        raise rejection(body, keep=True)
    return body


def rejection(body: dict[str, Any], keep: bool = False) -> DomainError:
    """422 ``batch_rejected`` listing every rejected row's problems."""
    rejections = body.get("rejections", [])
    errors = [FieldError(f"rows[{r['row']}].{p['field']}", p["code"], p["message"])
              for r in rejections for p in r["problems"]]
    return DomainError("batch_rejected", f"共{len(rejections)}条记录不合格，整批未写入",
                       f"{len(rejections)} rows rejected; nothing was written", errors=errors,
                       extra={"batch_id": body.get("batch_id"), "rejected": len(rejections),
                              "rejections": rejections}, keep_writes=keep)

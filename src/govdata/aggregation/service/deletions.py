"""Deletion of aggregated records, only through an approved request (SEC-3).

1. ``request_deletion``: a data manager of the providing department lists record keys (at most
   ``MAX_DELETION_KEYS``, each as the record key reads: key items joined by ``|``) and gives a reason;
   the workflow ``aggregation_deletion`` starts (the department's reviewer, then the big data center, each
   within 5 working days; a rejection needs a reason; the requester may withdraw).
2. ``decide_deletion``: one step. Only the final approval writes, in the same transaction as the decision,
   for each key whose current version exists, the next version with ``tombstone`` true (item values NULL,
   ``content_hash`` NULL, ``batch_id`` naming a ``Batch`` with ``source="delete"``). A key that is unknown
   or already deleted is reported in ``result``, never an error. The audit entries name the keys, never
   values. Old versions stay in the table; a later push of the same key writes it again as the next
   version (``common.upsert``).

This is the only code that writes a tombstone. With ``GOVDATA_DATA_DATABASE_URL`` the tombstones commit in
the data database just before the control plane commits the decision (as for push); the Batch's
``idempotency_key`` ``deletion:<id>`` keeps a request from being applied twice.
"""

from __future__ import annotations

import json

from pydantic import Field
from sqlalchemy import MetaData, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from govdata.aggregation import policy
from govdata.aggregation.models import Batch, Dataset
from govdata.aggregation.models.deletions import DeletionRequest
from govdata.aggregation.service.common import MAX_KEY_LENGTH, chunks, data_engine_of, resource_by_code
from govdata.aggregation.tables import data_connection, dataset_table, latest_versions
from govdata.catalog.models import Resource
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.crypto import sm3_hex
from govdata.core.db import utcnow
from govdata.core.errors import Conflict, FieldError, Invalid, NotFound
from govdata.core.policy import authorize
from govdata.core.schemas import Strict
from govdata.workflow import service as workflow
from govdata.workflow.schemas import Decision

__all__ = ["DELETION", "MAX_DELETION_KEYS", "DeletionCreate", "decide_deletion", "get_deletion", "list_deletions",
           "request_deletion"]

DELETION = "aggregation_deletion"
MAX_DELETION_KEYS = 1000
_OPEN = ("dept_review", "center_review")


class DeletionCreate(Strict):
    keys: list[str] = Field(min_length=1, max_length=MAX_DELETION_KEYS,
                            description="record keys (key items joined by |), at most 1000")
    reason: str = Field(min_length=1, max_length=2000)


def _keys(raw: list[str]) -> list[str]:
    errors = []
    for n, key in enumerate(raw):
        if not key.strip():
            errors.append(FieldError(f"keys[{n}]", "missing", "记录主键不能为空"))
        elif len(key) > MAX_KEY_LENGTH:
            errors.append(FieldError(f"keys[{n}]", "key_too_long", f"记录主键超过{MAX_KEY_LENGTH}个字符"))
    if errors:
        raise Invalid(errors)
    return list(dict.fromkeys(key.strip() for key in raw))


def request_deletion(session: Session, actor: Actor, code: str, payload: DeletionCreate) -> DeletionRequest:
    """Ask to delete records of dataset ``code``; nothing is written to the data until final approval."""
    resource = resource_by_code(session, code)
    authorize(actor, policy.request_deletion, resource)
    dataset = session.scalar(select(Dataset).where(Dataset.resource_id == resource.id))
    if dataset is None:
        raise NotFound("数据集", code, "Dataset")
    keys = _keys(payload.keys)
    request = DeletionRequest(dataset_id=dataset.id, resource_id=resource.id, department_id=resource.department_id,
                              keys=keys, key_count=len(keys), reason=payload.reason, status=_OPEN[0],
                              requested_by=actor.name)
    session.add(request)
    session.flush()
    item = workflow.start(session, actor, DELETION, "aggregation_deletion", request.id,
                          f"删除数据：{code}（{len(keys)}条记录）", resource.department_id)
    request.work_item_id, request.status = item.id, item.state
    session.flush()
    audit.record(session, actor, "aggregation.request_deletion", object_type="dataset", object_id=code,
                 department_id=resource.department_id, purpose=payload.reason,
                 data_content={"count": len(keys), "keys": keys},
                 detail={"deletion_id": request.id, "work_item": item.id})
    return request


def decide_deletion(session: Session, actor: Actor, code: str, deletion_id: int,
                    decision: Decision) -> DeletionRequest:
    """Take one approval step (``pass`` by the department's reviewer, ``approve`` by the big data center,
    ``reject`` with a reason, ``withdraw`` by the requester). The final approval writes the tombstones."""
    resource = resource_by_code(session, code)
    authorize(actor, policy.decide_deletion, resource)
    request = session.get(DeletionRequest, deletion_id, with_for_update=True)
    if request is None or request.resource_id != resource.id:
        raise NotFound("数据删除申请", deletion_id, "Deletion request")
    if request.status not in _OPEN or request.work_item_id is None:
        raise Conflict("该删除申请已办结", "This deletion request has already been decided")
    item = workflow.advance(session, actor, request.work_item_id, decision.transition, decision.reason)
    request.status = item.state
    data_content = None
    if item.state == "approved":
        dataset = session.get(Dataset, request.dataset_id, with_for_update=True)
        assert dataset is not None
        deleted = _tombstones(session, actor, dataset, resource, request)
        data_content = {"count": len(deleted), "keys": deleted}
    if item.closed_at is not None:
        request.decided_at = utcnow()
    session.flush()
    audit.record(session, actor, f"aggregation.decide_deletion.{decision.transition}", object_type="dataset",
                 object_id=code, department_id=resource.department_id, purpose=decision.reason,
                 approver=actor.name if item.state == "approved" else None, data_content=data_content,
                 detail={"deletion_id": request.id, "state": item.state, "batch_id": request.batch_id,
                         "not_found": (request.result or {}).get("not_found"),
                         "already_deleted": (request.result or {}).get("already_deleted")})
    return request


def _tombstones(session: Session, actor: Actor, dataset: Dataset, resource: Resource,
                request: DeletionRequest) -> list[str]:
    """Write the tombstones of ``request`` under a new delete batch; returns the keys deleted."""
    keys: list[str] = list(request.keys)
    batch = Batch(dataset_id=dataset.id, source="delete", actor_kind=actor.kind, actor_name=actor.name,
                  system_id=actor.system_id, user_id=actor.user_id, department_id=resource.department_id,
                  idempotency_key=f"deletion:{request.id}",
                  payload_digest=sm3_hex(json.dumps(keys, ensure_ascii=False).encode()), medium=None, mode="all",
                  status="committed", inserted=0, updated=0, unchanged=0, rejected=0)
    session.add(batch)
    session.flush()
    deleted: list[str] = []
    not_found: list[str] = []
    already: list[str] = []
    now = utcnow()
    with data_connection(session, data_engine_of(session)) as connection:
        table = dataset_table(dataset, MetaData(), connection.dialect.name)
        for chunk in chunks(keys):
            current = {r.record_key: r for r in connection.execute(latest_versions(table, chunk))}
            tombstones = []
            for key in chunk:
                found = current.get(key)
                if found is None:
                    not_found.append(key)
                elif found.tombstone:
                    already.append(key)
                else:
                    tombstones.append({"record_key": key, "record_version": found.record_version + 1,
                                       "batch_id": str(batch.id), "content_hash": None, "ingested_at": now,
                                       "tombstone": True})
                    deleted.append(key)
            if tombstones:
                try:
                    connection.execute(insert(table), tombstones)
                except IntegrityError as exc:
                    raise Conflict("同一记录正被并发写入，本次审批未生效，请重试",
                                   "Records are being written concurrently; nothing written, retry",
                                   code="concurrent_write") from exc
    result = {"deleted": deleted, "not_found": not_found, "already_deleted": already}
    batch.result = {"deletion_id": request.id, **result}
    request.result, request.batch_id = result, batch.id
    dataset.row_count_estimate = max(0, (dataset.row_count_estimate or 0) - len(deleted))
    return deleted


def list_deletions(session: Session, actor: Actor, code: str) -> list[DeletionRequest]:
    """Every deletion request of the dataset, newest first."""
    resource = resource_by_code(session, code)
    authorize(actor, policy.list_deletions, resource)
    return list(session.scalars(select(DeletionRequest).where(DeletionRequest.resource_id == resource.id)
                                .order_by(DeletionRequest.id.desc())))


def get_deletion(session: Session, actor: Actor, deletion_id: int) -> DeletionRequest:
    """One deletion request by id (work items name their subject by id)."""
    request = session.get(DeletionRequest, deletion_id)
    if request is None:
        raise NotFound("数据删除申请", deletion_id, "Deletion request")
    authorize(actor, policy.get_deletion, request)
    return request

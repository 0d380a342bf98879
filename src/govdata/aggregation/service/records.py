"""The providing department's own check of a record it delivered."""


from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, select
from sqlalchemy.orm import Session

from govdata.aggregation import policy
from govdata.aggregation.models import Dataset
from govdata.aggregation.service.common import (
    data_engine_of,
    json_value,
    resource_by_code,
)
from govdata.aggregation.tables import (
    current_query,
    data_connection,
    dataset_table,
)
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.errors import NotFound
from govdata.core.policy import authorize


def get_record(session: Session, actor: Actor, code: str, key: str) -> dict[str, Any]:
    """The current version of the record ``key`` of dataset ``code`` (not found when unknown or deleted)."""
    resource = resource_by_code(session, code)
    authorize(actor, policy.get_record, resource)
    dataset = session.scalar(select(Dataset).where(Dataset.resource_id == resource.id))
    if dataset is None:
        raise NotFound("数据记录", key, "Record")
    with data_connection(session, data_engine_of(session)) as connection:
        table = dataset_table(dataset, MetaData(), connection.dialect.name)
        row = connection.execute(current_query(table, key)).mappings().first()
    if row is None:
        raise NotFound("数据记录", key, "Record")
    types = {c["field_code"]: c["data_type"] for c in dataset.columns}
    active = [c["field_code"] for c in dataset.columns if c["retired_in_version"] is None]
    values = {c: json_value(row[c], types[c]) for c in active}
    audit.record(session, actor, "aggregation.get_record", object_type="dataset", object_id=code,
                 department_id=resource.department_id, medium="json",
                 data_content={"fields": active, "count": 1, "keys": [key]})
    ingested = row["ingested_at"]
    return {"dataset": code, "key": key, "version": row["record_version"], "batch_id": row["batch_id"],
            "ingested_at": ingested.isoformat() if ingested else None, "values": values}

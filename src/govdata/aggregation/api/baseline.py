"""The benchmark's baseline: a bare lookup of one current record by key, with no sign-in, grant, masking or
audit. Mounted only when ``GOVDATA_BENCH_BASELINE`` is true (bench/serve.py compares the data service API's
key lookup with it, in the same app and server); never in production, since it checks nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import MetaData, Table, select

from govdata.aggregation.models import Dataset
from govdata.aggregation.service.common import json_value
from govdata.aggregation.tables import current_query, dataset_table
from govdata.catalog.models import Resource

router = APIRouter(include_in_schema=False)
_tables: dict[str, tuple[Table, dict[str, str]]] = {}


@router.get("/bench/baseline/{code}/{key}")
async def baseline_record(code: str, key: str, request: Request) -> Any:
    with request.app.state.sessions() as session:
        if code not in _tables:
            dataset = session.scalar(select(Dataset).join(Resource, Resource.id == Dataset.resource_id)
                                     .where(Resource.code == code))
            if dataset is None:
                return {"values": None}
            bind = session.get_bind()
            _tables[code] = (dataset_table(dataset, MetaData(), bind.dialect.name),
                             {c["field_code"]: c["data_type"] for c in dataset.columns})
        table, types = _tables[code]
        row = session.execute(current_query(table, key)).mappings().first()
        if row is None:
            return {"values": None}
        return {"key": key, "values": {c: json_value(row[c], t) for c, t in types.items()}}

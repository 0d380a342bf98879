"""The dataset table that follows a structured catalog entry's publication."""


from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from govdata.aggregation import policy
from govdata.aggregation.models import Dataset
from govdata.aggregation.service.common import (
    data_engine_of,
    evolve_dataset,
)
from govdata.aggregation.tables import (
    ensure_table,
    is_structured,
    register_dataset,
)
from govdata.catalog import service as catalog
from govdata.catalog.models import Resource, ResourceVersion
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.policy import authorize


@catalog.on_published
def dataset_published(session: Session, actor: Actor, resource: Resource, version: ResourceVersion) -> Dataset | None:
    """Follows the catalog (``catalog.on_published``): when ``version`` of ``resource`` is published, a
    structured entry gets its registry row and table (first publication) or its table evolves with the
    version's items (new columns added, removed items retired). Non-structured entries: nothing."""
    if not is_structured(version):
        return None
    authorize(actor, policy.dataset_published, resource)
    existing = session.scalar(select(Dataset).where(Dataset.resource_id == resource.id))
    if existing is None:
        dataset = register_dataset(session, resource, version)
        ensure_table(session, dataset, data_engine_of(session))
        added = [c["field_code"] for c in dataset.columns]
    else:
        dataset = existing
        added = evolve_dataset(session, dataset, version)
    audit.record(session, actor, "aggregation.dataset_published", object_type="dataset", object_id=resource.code,
                 department_id=resource.department_id,
                 detail={"table": dataset.table_name, "version_no": version.version_no, "added_columns": added})
    return dataset


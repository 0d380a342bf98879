"""The sharing test data builds on both databases: a published resource with records and a consumer."""

from sqlalchemy import select

from govdata.systems.models import BusinessSystem
from tests.sharing.helpers import person


def test_shared_resource_has_records_and_an_approved_consumer(shared):
    key = person(7)["id_number"]
    record = shared.client.get(f"/api/v1/datasets/{shared.code}/records/{key}", auth=shared.provider["auth"])
    assert record.status_code == 200 and record.json()["values"]["name"] == "居民7"
    with shared.client.db.session() as session:
        systems = {s.id: s for s in session.scalars(select(BusinessSystem))}
        consumer, provider = systems[shared.consumer["id"]], systems[shared.provider["id"]]
        assert consumer.status == "approved" and consumer.department_id != provider.department_id

"""Demo datasets (issue 5, Done-when): tens of thousands of realistic rows with valid identifiers, seeded, loaded
through the push service with a few days of lineage, rejected rows and a scope-expansion finding."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import MetaData, func, inspect, select, text

from govdata.aggregation import demo as aggregation_demo
from govdata.aggregation import demo_datasets as g
from govdata.aggregation.demo_rows import Maker, vin_check_char
from govdata.aggregation.models import Batch, Dataset, Finding, QualitySnapshot
from govdata.aggregation.tables import dataset_table
from govdata.aggregation.validation import ItemSpec, Validator
from govdata.catalog import demo_catalog
from govdata.catalog import service as catalog_service
from govdata.catalog.models import Resource
from govdata.catalog.schemas import ResourceCreate, ResourceDraft, ReviewDecision
from govdata.core.actor import platform_actor
from govdata.core.audit import AuditEntry
from govdata.core.db import utcnow
from govdata.core.validators import is_valid_credit_code, is_valid_mobile, is_valid_resident_id
from govdata.org import service as org_service
from govdata.org.demo_data import DEPARTMENTS_BY_KEY

TODAY = dt.date(2026, 11, 25)
ENTRIES = {e.name: e for e in demo_catalog.ENTRIES}


def published_items(name):
    """The items of the entry's latest published version (first version plus the items its revisions add)."""
    entry = ENTRIES[name]
    found = demo_catalog.items(entry.item_spec)
    for change in entry.revisions:
        if change.get("add"):
            found += demo_catalog.items(change["add"])
    return found


def validator(name):
    return Validator([ItemSpec(i["field_code"], i["name"], i["data_type"], i["length"], i["required"], i["is_key"],
                               i["pii_kind"]) for i in published_items(name)])


@pytest.fixture(scope="module")
def generated():
    mk = Maker(aggregation_demo.SEED, TODAY)
    world = g.World(mk, people=10_000, entities=5_000)
    return {plan.entry: plan.make(mk, world, plan.rows) for plan in aggregation_demo.PLANS}


def test_the_plan_is_tens_of_thousands_of_rows_of_published_structured_entries(generated):
    assert sum(len(rows) for rows in generated.values()) >= 40_000
    assert len(generated) >= 10 and all(len(rows) >= 200 for rows in generated.values())
    for name in generated:
        entry = ENTRIES[name]
        assert entry.state == "published" and entry.format in ("数据库", "电子表格"), name


def test_every_generated_row_passes_validation_and_keys_are_unique(generated):
    for name, rows in generated.items():
        check = validator(name)
        problems = Counter(p.code for row in rows for p in check.check(row).problems)
        assert not problems, (name, problems)
        keys = [check.check(row).key for row in rows]
        assert len(set(keys)) == len(keys), name


def test_identifiers_carry_valid_check_digits_and_look_local(generated):
    people = generated["常住人口基本信息"]
    assert all(is_valid_resident_id(r["id_number"], today=TODAY) for r in people)
    assert Counter(r["id_number"][:4] == "9901" for r in people)[True] > len(people) * 0.6  # born in 云川市 mostly
    assert all((int(r["id_number"][16]) % 2 == 1) == (r["gender"] == "1") for r in people)  # GB 11643 order code
    assert all(r["birth_date"].replace("-", "") == r["id_number"][6:14] for r in people)
    assert len({r["name"] for r in people}) > len(people) * 0.5 and all(2 <= len(r["name"]) <= 4 for r in people)
    entities = generated["市场主体登记信息"]
    assert all(is_valid_credit_code(r["credit_code"]) for r in entities)
    assert all(is_valid_credit_code(r["taxpayer_id"]) for r in generated["税务登记信息"])
    assert all(vin_check_char(r["vin"]) == r["vin"][8] for r in generated["机动车登记信息"])
    mobiles = [r["mobile"] for r in generated["最低生活保障对象信息"] if r["mobile"]]
    assert mobiles and all(is_valid_mobile(m) for m in mobiles)
    cost = generated["医保费用结算信息"][0]
    assert float(cost["fund_paid"]) + float(cost["self_paid"]) == pytest.approx(float(cost["total_cost"]))


def test_the_same_seed_and_day_give_the_same_rows():
    def rows(seed):
        mk = Maker(seed, TODAY)
        world = g.World(mk, people=300, entities=200)
        return g.residents(mk, world, 300) + g.market_entities(mk, world, 200)

    assert rows(7) == rows(7) and rows(7) != rows(8)


@pytest.mark.parametrize("plan", [p for p in aggregation_demo.PLANS if p.faults], ids=lambda p: p.entry)
def test_the_faulty_rows_are_refused_with_a_reason(generated, plan):
    check = validator(plan.entry)
    mk = Maker(1, TODAY)
    items = [ItemSpec(i["field_code"], i["name"], i["data_type"], i["length"], i["required"], i["is_key"],
                      i["pii_kind"]) for i in published_items(plan.entry)]
    bad = [aggregation_demo._corrupt(mk, row, items, n, plan.extra_field)
           for n, row in enumerate(generated[plan.entry][:plan.faults])]
    assert all(check.check(row).problems for row in bad)
    if plan.extra_field:
        assert any(p.code == "out_of_scope" for row in bad for p in check.check(row).problems)


# --- loading through the push service -------------------------------------------------------------------

@pytest.fixture
def city(demo_db):
    """The demo city with only the entries the demo datasets use, published as the demo catalog does."""
    actor = platform_actor("govdata-demo")
    with demo_db.session() as session:
        for plan in aggregation_demo.PLANS:
            entry = ENTRIES[plan.entry]
            department = org_service.department_by_credit_code(session, DEPARTMENTS_BY_KEY[entry.dept]["credit_code"])
            body = entry.draft()
            resource = catalog_service.create_resource(session, actor, ResourceCreate.model_validate(
                {**body, "department_id": department.id}))
            _publish(session, actor, resource.code)
            for change in entry.revisions:  # as demo_catalog does: overrides, items added or withheld
                change = dict(change)
                added, withheld = change.pop("add", ""), change.pop("withhold", ())
                items = [{**i, "shared": i["shared"] and i["field_code"] not in withheld} for i in body["items"]]
                body = {**body, **change, "items": items + (demo_catalog.items(added) if added else [])}
                catalog_service.update_draft(session, actor, resource.code, ResourceDraft.model_validate(body))
                _publish(session, actor, resource.code)
        session.commit()
    yield demo_db
    with demo_db.engine.begin() as conn:  # the shared PostgreSQL schema keeps run-time tables
        for table in inspect(conn).get_table_names():
            if table.startswith("ds_"):
                conn.execute(text(f'DROP TABLE "{table}"'))


def _publish(session, actor, code):
    catalog_service.submit_resource(session, actor, code)
    catalog_service.review_resource(session, actor, code, ReviewDecision(transition="pass"))
    catalog_service.review_resource(session, actor, code, ReviewDecision(transition="approve"))


def test_a_small_demo_city_loads_through_the_push_service_with_history(city):
    now = utcnow()
    with city.session() as session:
        summary = aggregation_demo.load(session, scale=0.02, now=now)
        session.commit()
        assert len(summary["datasets"]) == len(aggregation_demo.PLANS)
        codes = {d["name"]: d["code"] for d in summary["datasets"]}
        batches = session.scalars(select(Batch).order_by(Batch.id)).all()
        assert len(batches) == summary["batches"] == session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "aggregation.push_records"))

        residents = _dataset(session, codes["常住人口基本信息"])
        own = [b for b in batches if b.dataset_id == residents.id]
        assert {b.actor_name for b in own} == {"ps_manager"}  # the department's data manager
        assert [round((now - b.created_at) / dt.timedelta(days=1), 1) for b in own] == [6.4, 4.3, 2.2, 0.3]
        faulty = next(b for b in own if b.mode == "partial")
        assert faulty.rejected == 24 and faulty.status == "committed"
        assert {p["code"] for r in faulty.result["rejections"] for p in r["problems"]} >= {
            "out_of_scope", "invalid_id_number", "invalid_date", "required"}
        finding = session.scalar(select(Finding).where(Finding.kind == "scope_expansion"))
        assert finding.dataset_id == residents.id and finding.detail["fields"] == ["wechat_id"]
        assert finding.created_at == faulty.created_at
        assert own[-1].updated > 0  # the last batch changed earlier records: new versions

        with city.engine.connect() as conn:
            table = dataset_table(residents, MetaData(), conn.dialect.name)
            stamps = dict(conn.execute(select(table.c.batch_id, table.c.ingested_at).distinct()).all())
        assert stamps == {str(b.id): b.created_at for b in own if b.inserted or b.updated}

        measured = session.scalars(select(QualitySnapshot).where(QualitySnapshot.dataset_id == residents.id)
                                   .order_by(QualitySnapshot.measured_at)).all()
        assert [s.measured_at for s in measured[:-1]] == [b.created_at for b in own]
        assert measured[-1].trigger == "refresh" and measured[-1].validity < 1.0

        jobs = [b for b in batches if b.dataset_id == _dataset(session, codes["就业登记信息"]).id]
        assert [b.status for b in jobs] == ["committed", "rejected", "committed", "committed"]
        assert {b.actor_name for b in jobs} == {"hr_manager"}
        stopped = _dataset(session, codes["道路交通违法处理信息"])
        assert round((now - stopped.last_batch_at) / dt.timedelta(days=1), 1) == 3.6
        other = _dataset(session, codes["市场主体登记信息"])
        assert {b.actor_name for b in batches if b.dataset_id == other.id} == {"govdata-demo"}


def test_entries_missing_from_the_catalog_are_skipped(demo_db):
    with demo_db.session() as session:
        summary = aggregation_demo.load(session, scale=0.02)
        assert summary["datasets"] == [] and summary["rows"] == 0


def _dataset(session, code):
    return session.scalar(select(Dataset).join(Resource, Resource.id == Dataset.resource_id)
                          .where(Resource.code == code))

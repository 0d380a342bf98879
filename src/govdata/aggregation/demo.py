"""Demo datasets (``govdata demo``): realistic rows for published structured entries of the demo catalog,
loaded through the platform's own way in (``service.push_records``, JSON batches of at most 10,000 rows)
so that they are validated like real data, by the providing department's data manager (the platform only
when the demo city has no account for it, as in tests that load part of it).

Each dataset gets a few batches spread over the last days, so its lineage and quality trend have history;
some batches carry rows with errors in ``partial`` mode (rejected with their reasons, one with a field
beyond the registered items → a scope-expansion finding), one is sent ``all``-or-nothing with a bad row,
refused, and sent again corrected; the last batch of some datasets changes earlier records (new versions);
the traffic-violation dataset stopped arriving three days ago, so it is late. Rows come from
``demo_datasets`` (seeded: the same seed and day give the same rows).

Backdating (demo only): a batch is pushed now and then moved to its planned time by ``_backdate`` — the
Batch record, its rows' ``ingested_at``, the quality snapshot and findings it caused, and the dataset's
last aggregation. Nothing else in the platform can set a time in the past; the API never does. The audit
entries keep the true time of loading.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import MetaData, select, update
from sqlalchemy.orm import Session

from govdata.aggregation import demo_datasets as g
from govdata.aggregation.demo_rows import Maker
from govdata.aggregation.models import Batch, Dataset, Finding, QualitySnapshot
from govdata.aggregation.service import MAX_ROWS, after_batch, push_records, refresh_quality
from govdata.aggregation.service.common import data_engine_of
from govdata.aggregation.tables import data_connection, dataset_table
from govdata.catalog.models import Resource, ResourceVersion
from govdata.core.actor import Actor
from govdata.core.db import utcnow
from govdata.core.errors import DomainError
from govdata.core.jobs import job_actor
from govdata.org import demo_people

SEED = 20261125
LOCAL = ZoneInfo("Asia/Shanghai")
Row = dict[str, Any]


def _moved(mk: Maker, row: Row) -> Row:
    return {**row, "address": mk.local_address()[2]}


@dataclass(frozen=True)
class Plan:
    entry: str  # the demo catalog entry's name (catalog.demo_catalog)
    make: Callable[[Maker, g.World, int], list[Row]]
    rows: int
    days: tuple[float, ...]  # when its batches came: days before now, oldest first
    actor: str | None = None  # a demo account of the providing department; else its data manager
    faults: int = 0  # rows with errors in a partial batch, rejected with their reasons
    extra_field: str | None = None  # a field beyond the registered items in that batch (scope expansion)
    reject_all: bool = False  # one all-or-nothing batch with a bad row, refused, then sent again corrected
    updates: int = 0  # earlier records changed by the last batch (new versions)
    change: Callable[[Maker, Row], Row] | None = None


PLANS = [
    Plan("常住人口基本信息", g.residents, 9_000, (6.4, 4.3, 2.2, 0.3), "ps_manager", faults=24, extra_field="wechat_id",
         updates=150, change=_moved),
    Plan("机动车登记信息", g.vehicles, 4_000, (5.5, 3.4, 1.2), "ps_manager", faults=6,
         updates=60, change=lambda mk, r: {**r, "vehicle_status": "G"}),
    Plan("道路交通违法处理信息", g.violations, 3_000, (9.4, 6.3, 3.6), "ps_manager"),  # stopped: late
    Plan("市场主体登记信息", g.market_entities, 4_500, (6.1, 3.1, 0.4), updates=80,
         change=lambda mk, r: {**r, "entity_status": "注销"}),
    Plan("食品经营许可信息", g.food_licences, 1_500, (5.2, 2.2, 0.5), faults=5),
    Plan("就业登记信息", g.employment, 3_000, (4.6, 2.6, 0.6), "hr_manager", reject_all=True),
    Plan("社会保险参保登记信息", g.insurance, 4_000, (6.2, 3.3, 0.7), updates=120,
         change=lambda mk, r: {**r, "insured_status": "2"}),
    Plan("最低生活保障对象信息", g.low_income, 2_500, (6.6, 3.5, 0.8), faults=12, updates=40,
         change=lambda mk, r: {**r, "aid_status": "03"}),
    Plan("医保费用结算信息", g.med_settlements, 3_500, (3.7, 2.7, 1.7, 0.7)),
    Plan("预防接种信息", g.vaccinations, 3_000, (5.8, 2.9, 0.9)),
    Plan("中小学学籍信息", g.students, 3_000, (6.9, 0.9), faults=8),
    Plan("12345政务服务便民热线工单信息", lambda mk, w, n: g.hotline(mk, w, n, duplicates=max(1, n // 60)), 1_500,
         (2.0, 1.5, 1.0, 0.5, 0.1), faults=4),
    Plan("不动产登记信息", g.real_estate, 2_000, (4.8, 1.8, 0.2)),
    Plan("税务登记信息", g.tax_registration, 2_000, (5.0, 1.0)),
    Plan("地表水水质监测信息", g.water_quality, 288, (20.0, 8.0)),
    Plan("国民经济主要指标", g.indicators, 240, (24.0, 12.0)),
    Plan("青河县最低生活保障对象信息", lambda mk, w, n: g.low_income(mk, w, n, area="990121"), 800, (6.0, 2.0)),
]


def _corrupt(mk: Maker, row: Row, items: list[Any], n: int, extra_field: str | None) -> Row:
    """A copy of ``row`` with one mistake a business system makes, the n-th kind in turn."""
    bad = dict(row)
    ids = [i for i in items if i.pii_kind == "身份证件号码" and i.data_type == "C" and not i.is_key]
    ids = ids or [i for i in items if i.pii_kind == "身份证件号码" and i.data_type == "C"]
    mobiles = [i for i in items if i.pii_kind == "手机号码"]
    dates = [i for i in items if i.data_type == "D"]
    required = [i for i in items if i.required and not i.is_key]
    kinds = ["extra"] if extra_field else []
    kinds += [k for k, ok in (("id", ids), ("mobile", mobiles), ("date", dates), ("required", required)) if ok]
    kind = kinds[n % len(kinds)] if kinds else "extra"
    if kind == "extra":
        bad[extra_field or "remark"] = f"wx_{mk.digits(8)}" if extra_field else "补录"
    elif kind == "id":
        value = str(bad.get(ids[0].field_code) or "")
        bad[ids[0].field_code] = value[:17] + ("0" if value[17:] != "0" else "1")
    elif kind == "mobile":
        bad[mobiles[0].field_code] = mk.pick(["1380013800", "0990-12345", "2381234567"])
    elif kind == "date":
        bad[dates[0].field_code] = mk.pick(["2025-02-30", "2025/13/01", "20251341"])
    else:
        bad[required[0].field_code] = None
    return bad


def _backdate(session: Session, dataset: Dataset, batch: Batch, at: dt.datetime) -> None:
    """Demo only: move ``batch`` and what it caused to ``at`` (module docstring)."""
    batch.created_at = batch.updated_at = at
    with data_connection(session, data_engine_of(session)) as connection:
        table = dataset_table(dataset, MetaData(), connection.dialect.name)
        connection.execute(update(table).where(table.c.batch_id == str(batch.id)).values(ingested_at=at))
    if batch.status == "committed":
        dataset.last_batch_at = at
        snapshot = session.scalar(select(QualitySnapshot).where(QualitySnapshot.batch_id == batch.id))
        if snapshot is None:  # a way in that does not call after_batch yet
            snapshot = after_batch(session, dataset, batch)
        snapshot.measured_at = at
        if snapshot.full:
            snapshot.table_measured_at = at
    for finding in session.scalars(select(Finding).where(Finding.dataset_id == dataset.id,
                                                         Finding.detail["batch_id"].as_integer() == batch.id)):
        finding.created_at = finding.updated_at = at
    session.flush()


def _push(session: Session, actor: Actor, dataset: Dataset, code: str, rows: list[Row], mode: str, key: str,
          at: dt.datetime) -> int:
    """Push ``rows`` in batches of at most MAX_ROWS at ``at``; returns the number of batches."""
    count = 0
    for start in range(0, len(rows), MAX_ROWS):
        payload = json.dumps(rows[start:start + MAX_ROWS], ensure_ascii=False).encode()
        try:
            body = push_records(session, actor, code, payload, "application/json", f"{key}-{start // MAX_ROWS + 1}",
                                mode).body
            batch_id = body["batch_id"]
        except DomainError as exc:
            if exc.code != "batch_rejected":
                raise
            batch_id = exc.extra["batch_id"]
        batch = session.get(Batch, batch_id)
        assert batch is not None
        _backdate(session, dataset, batch, at + dt.timedelta(seconds=count * 7))
        count += 1
    return count


def _actor(session: Session, username: str | None, department_id: int) -> Actor:
    """The plan's account when it is of the providing department, else the department's data manager."""
    actor = demo_people.person(session, username, "cli") if username else None
    if actor is None or actor.department_id != department_id:
        return demo_people.staff(session, department_id, "dept_manager", "cli")
    return actor


def _published(session: Session, name: str) -> tuple[Resource, ResourceVersion] | None:
    row = session.execute(select(Resource, ResourceVersion)
                          .join(ResourceVersion, ResourceVersion.id == Resource.published_version_id)
                          .where(ResourceVersion.name == name, Resource.status == "published")).first()
    return (row[0], row[1]) if row else None


def load(session: Session, *, seed: int = SEED, scale: float = 1.0, now: dt.datetime | None = None,
         plans: list[Plan] | None = None) -> dict[str, Any]:
    """Load the demo datasets into the published demo catalog (entries not found are skipped); ``scale``
    multiplies every row count (tests load a small city). Returns what was loaded and how long it took."""
    started = time.perf_counter()
    now = now or utcnow()
    mk = Maker(seed, now.astimezone(LOCAL).date())
    plans = PLANS if plans is None else plans
    sized = [(p, max(10, int(p.rows * scale))) for p in plans]
    need = {p.make: n + p.faults for p, n in sized}
    world = g.World(mk, people=max(need.get(g.residents, 0), 200), entities=max(need.get(g.market_entities, 0), 200))
    shuffle = random.Random(seed)
    summary: dict[str, Any] = {"datasets": [], "rows": 0, "batches": 0}
    for plan, n in sized:
        found = _published(session, plan.entry)
        if found is None:
            continue
        resource, version = found
        dataset = _dataset(session, resource)
        actor = _actor(session, plan.actor, resource.department_id)
        rows = plan.make(mk, world, n + plan.faults)
        spare, rows = rows[n:], rows[:n]
        parts = [rows[i * len(rows) // len(plan.days):(i + 1) * len(rows) // len(plan.days)]
                 for i in range(len(plan.days))]
        batches = 0
        for i, days in enumerate(plan.days):
            at = now - dt.timedelta(days=days)
            part, mode = list(parts[i]), "all"
            if plan.updates and plan.change and i == len(plan.days) - 1:
                part += [plan.change(mk, r) for r in shuffle.sample(parts[0], min(plan.updates, len(parts[0])))]
            if plan.faults and i == max(0, len(plan.days) - 2):
                part += [_corrupt(mk, r, version.items, k, plan.extra_field) for k, r in enumerate(spare)]
                shuffle.shuffle(part)
                mode = "partial"
            key = f"demo-{resource.code}-{i + 1}"
            if plan.reject_all and i == 1:
                refused = part + [_corrupt(mk, part[0], version.items, 1, None)]
                batches += _push(session, actor, dataset, resource.code, refused, "all", key + "a",
                                 at - dt.timedelta(hours=2))
            batches += _push(session, actor, dataset, resource.code, part, mode, key, at)
            summary["rows"] += len(part)
        refresh_quality(session, job_actor(), resource.code)  # as the periodic job does
        summary["batches"] += batches
        summary["datasets"].append({"code": resource.code, "name": plan.entry, "rows": n, "batches": batches})
    _record_late(session)
    session.flush()
    summary["seconds"] = round(time.perf_counter() - started, 1)
    return summary


def _dataset(session: Session, resource: Resource) -> Dataset:
    dataset = session.scalar(select(Dataset).where(Dataset.resource_id == resource.id))
    assert dataset is not None, resource.code  # made when the entry was published
    return dataset


def _record_late(session: Session) -> None:
    """Let the late-aggregation check (``service.schedules``) see the backdated batches now, as its hourly
    job would, so the late dataset shows its finding."""
    from govdata.aggregation import service

    check = getattr(service, "check_timeliness", None)
    if check is not None:
        check(session, job_actor())

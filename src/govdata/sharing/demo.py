"""Demo sharing (``govdata demo``, after the demo datasets): a month of requests, grants and use of shared
data, made through the services as the departments would, so the audit log holds every step and every call
with the seven facts of Art. 18.

Six consumer systems are registered and approved; then, on the days they happened:

- unconditional subscriptions (市场主体登记信息 by the tax bureau, the social insurance centre and the
  employment platform; 食品经营许可信息 by the education bureau);
- conditional requests granted by the provider's reviewer and the big data center, with terms: a row scope
  (one police district), masking, a rate limit; one for table sync (changes), two for file exports;
- a request waiting for the provider (one past its deadline), one waiting for the big data center, and one
  refused whose objection waits for the e-government authority;
- drafts by 市民政局's data user (郭晓燕, ``mca_user``): one its data manager (高俊, ``mca_manager``) submitted,
  granted with her as the end user, one he returned with a reason, one waiting in his inbox;
- a grant suspended by its provider, one revoked by the authority, one that expired;
- calls of the data service API (``sharing.service.access``) on working days: record lookups, queries,
  changes, exports; refused calls after suspension, revocation and expiry, a query on an item beyond the
  grant, a burst today above the rate limit and far above the grant's normal; the misuse check
  (``detect_misuse``) run at the end of each day, as the hourly job would, records its findings.

Every step is taken by the person who would take it (``org.demo_people``): the consumer's data manager
applies, the provider's reviewer reviews, the big data center's administrator approves.

Past moments are loaded under ``core.db.frozen_at``: each service runs at the time the step took place, so
requests, work-item deadlines, grants, audit entries and usage carry their true dates. A few hundred calls.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govdata.catalog.models import Resource, ResourceVersion
from govdata.core.actor import Actor
from govdata.core.db import frozen_at, utcnow
from govdata.core.errors import DomainError
from govdata.core.jobs import job_actor
from govdata.org import demo_people
from govdata.org import service as org_service
from govdata.org.demo_data import DEPARTMENTS_BY_KEY, EMAIL_DOMAIN
from govdata.sharing import service
from govdata.sharing.models import Grant, ShareRequest
from govdata.sharing.schemas import (
    DraftCreate,
    GrantTerms,
    ReasonPayload,
    RequestCreate,
    ReviewDecision,
    ScopeCondition,
    SubscribeCreate,
)
from govdata.systems import service as systems_service
from govdata.systems.models import BusinessSystem
from govdata.systems.schemas import SystemCreate
from govdata.systems.signin import system_actor
from govdata.workflow.schemas import Decision

SEED = 20261125
LOCAL = ZoneInfo("Asia/Shanghai")
DAYS = 30
#: consumer systems: (key, department key, name, purpose, the department's staff ids for X-End-User)
SYSTEMS = [
    ("rz", "hrss-city", "社保待遇资格认证系统", "养老保险待遇领取资格认证中核验参保人员身份", ("RS0231", "RS0245")),
    ("jy", "hrss-city", "就业创业服务平台", "就业登记、创业补贴审核中核验人员和市场主体信息", ("RS0310",)),
    ("jz", "mca-city", "社会救助综合管理系统", "最低生活保障、特困供养申请的家庭经济状况核对", ("MZ0107", "MZ0118")),
    ("sw", "tax-city", "税收征管辅助系统", "纳税人登记信息和车船税税源核对", ("SW0412", "SW0420")),
    ("sb", "si-city", "社会保险经办系统", "参保登记和待遇审核中核验身份与就业信息", ("SB0201",)),
    ("jw", "edu-city", "义务教育招生入学系统", "义务教育阶段入学资格审核（户籍、居住、就业）", ("JY0501",)),
]
RESIDENTS, VEHICLES, VIOLATIONS = "常住人口基本信息", "机动车登记信息", "道路交通违法处理信息"
ENTITIES, FOOD, JOBS, INSURED = "市场主体登记信息", "食品经营许可信息", "就业登记信息", "社会保险参保登记信息"


@dataclass
class _City:
    session: Session
    now: dt.datetime
    rnd: random.Random
    systems: dict[str, BusinessSystem] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    keys: dict[str, list[str]] = field(default_factory=dict)
    since: dict[str, int] = field(default_factory=dict)
    calls: int = 0

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(LOCAL).date()

    def at(self, days_ago: int, hour: int = 10, minute: int = 0) -> dt.datetime:
        """A moment on the Beijing day ``days_ago`` before today, never later than now (the microseconds of
        the real time keep grants of two loads on one day apart)."""
        day = self.today - dt.timedelta(days=days_ago)
        moment = dt.datetime.combine(day, dt.time(hour, minute, microsecond=self.now.microsecond), LOCAL)
        return min(moment.astimezone(dt.UTC), self.now - dt.timedelta(seconds=1))

    @contextmanager
    def on(self, days_ago: int, hour: int = 10, minute: int = 0) -> Iterator[None]:
        with frozen_at(self.at(days_ago, hour, minute)):
            yield


def _person(session: Session, username: str) -> Actor:
    """A demo account acting in the browser."""
    return demo_people.person(session, username)


def _manager(session: Session, department_key: str) -> Actor:
    """The department's data manager."""
    department = org_service.department_by_credit_code(session, DEPARTMENTS_BY_KEY[department_key]["credit_code"])
    return demo_people.staff(session, department.id, "dept_manager")


def _codes(session: Session) -> dict[str, str]:
    rows = session.execute(select(ResourceVersion.name, Resource.code)
                           .join(Resource, Resource.published_version_id == ResourceVersion.id)
                           .where(Resource.status == "published"))
    return {name: code for name, code in rows}


def _register(city: _City) -> None:
    admin = _person(city.session, "admin")
    for n, (key, department_key, name, purpose, _) in enumerate(SYSTEMS):
        department = org_service.department_by_credit_code(city.session,
                                                           DEPARTMENTS_BY_KEY[department_key]["credit_code"])
        with city.on(DAYS + 15, 9, n * 5):
            today = utcnow().astimezone(LOCAL).date()
            system = systems_service.register_system(city.session, _manager(city.session, department_key), SystemCreate(
                name=name, purpose=purpose, owner_name="系统负责人", owner_phone=f"139{87650001 + n:08d}",
                owner_email=f"xt{n + 1}@{EMAIL_DOMAIN}", network_zone="政务外网", security_grade=3,
                assessor="示范省信息安全测评中心", assessment_report_no=f"DJCP-2026-{n + 101:04d}",
                assessment_date=today - dt.timedelta(days=60), assessment_valid_until=today + dt.timedelta(days=300),
                department_id=department.id))
        with city.on(DAYS + 14, 10, n * 5):
            systems_service.decide_system(city.session, admin, system.id, Decision(transition="approve"))
        city.systems[key] = system


def _grant_of(city: _City, request: ShareRequest) -> Grant:
    grant = city.session.scalar(select(Grant).where(Grant.request_id == request.id))
    assert grant is not None
    return grant


def _subscribe(city: _City, name: str, system: str, days_ago: int, purpose: str, basis: str,
               method: str = "api") -> None:
    consumer = city.systems[system]
    with city.on(days_ago, 9, 30):
        period_to = utcnow().date() + dt.timedelta(days=364)
        grant = service.subscribe(city.session, _manager(city.session, _dept_key(consumer)), SubscribeCreate(
            code=city.codes[name], system_id=consumer.id, purpose=purpose, basis=basis, access_method=method,
            period_to=period_to))
    city.grants[f"{system}:{name}"] = grant


def _dept_key(system: BusinessSystem) -> str:
    return next(d for _, d, n, *_ in SYSTEMS if n == system.name)


def _request(city: _City, name: str, system: str, days_ago: int, items: list[str], purpose: str, basis: str,
             method: str = "api", period_days: int = 364) -> ShareRequest:
    consumer = city.systems[system]
    with city.on(days_ago, 10, 15):
        today = utcnow().date()
        return service.request_share(city.session, _manager(city.session, _dept_key(consumer)), RequestCreate(
            code=city.codes[name], system_id=consumer.id, items=items, purpose=purpose, basis=basis,
            access_method=method, period_from=today, period_to=today + dt.timedelta(days=period_days)))


def _review(city: _City, request: ShareRequest, days_ago: int, transition: str, reviewer: str | None,
            reason: str | None = None, terms: GrantTerms | None = None) -> ShareRequest:
    """A step of the review by ``reviewer`` (None: the providing department's reviewer)."""
    actor = _person(city.session, reviewer) if reviewer else demo_people.staff(
        city.session, request.provider_department_id, "dept_reviewer")
    with city.on(days_ago, 15 if transition == "approve" else 11, 20):
        return service.review_request(city.session, actor, request.id,
                                      ReviewDecision(transition=transition, reason=reason, terms=terms))


def _granted(city: _City, label: str, name: str, system: str, days_ago: int, items: list[str], purpose: str,
             basis: str, reviewer: str | None, terms: GrantTerms | None = None, method: str = "api",
             period_days: int = 364) -> None:
    """A conditional request passed by the provider's reviewer two days later and approved the day after."""
    request = _request(city, name, system, days_ago, items, purpose, basis, method, period_days)
    _review(city, request, days_ago - 2, "pass", reviewer, "符合共享条件，按最小必要原则确定授权条件", terms)
    _review(city, request, days_ago - 3, "approve", "admin", "同意")
    city.grants[label] = _grant_of(city, request)


def _workflows(city: _City) -> None:
    """Every kind of request and grant (module docstring), on the days they happened."""
    _subscribe(city, ENTITIES, "sw", 33, "纳税人登记信息与市场主体登记信息比对", "《税收征收管理法》第十五条：税务登记管理")
    _subscribe(city, ENTITIES, "sb", 26, "参保单位登记时核验单位主体资格", "《社会保险法》第五十七条：用人单位社会保险登记")
    _subscribe(city, ENTITIES, "jy", 31, "创业补贴审核中核验创业实体登记状态", "《就业促进法》：扶持创业的职责", "file")
    _subscribe(city, FOOD, "jw", 24, "校园食品安全检查中核验学校食堂食品经营许可", "《学校食品安全与营养健康管理规定》")
    _granted(city, "rz:residents", RESIDENTS, "rz", 34,
             ["id_number", "name", "gender", "birth_date", "police_station", "household_no"],
             "养老保险待遇领取资格认证中核验人员身份和户籍状态", "《社会保险法》第七十条；养老保险待遇资格认证工作规程",
             "ps_reviewer", GrantTerms(
                 row_scope=[ScopeCondition(item="police_station", op="prefix", value="云川市公安局东城分局")],
                 masking={"name": "name", "household_no": "hash"}, rate_per_minute=30, daily_quota=2000))
    _granted(city, "jz:residents", RESIDENTS, "jz", 33,
             ["id_number", "name", "birth_date", "household_no", "relation_to_head"],
             "低保家庭成员户籍关系核对，本地库按日同步", "《社会救助暂行办法》第十一条：家庭经济状况核对",
             "ps_reviewer", GrantTerms(masking={"id_number": "id_number", "name": "name", "birth_date": "null"}), "table")
    _granted(city, "sw:vehicles", VEHICLES, "sw", 32,
             ["vin", "plate_no", "brand_model", "vehicle_type", "use_nature", "owner_name", "owner_id",
              "first_reg_date", "fuel_type"],
             "车船税税源核对，按周批量比对", "《车船税法》第十条：公安机关交通管理部门协助税务机关", "ps_reviewer",
             GrantTerms(masking={"owner_name": "name", "owner_id": "id_number"}), "file")
    _granted(city, "jy:residents", RESIDENTS, "jy", 30, ["id_number", "name", "gender", "birth_date"],
             "就业困难人员认定中批量核验户籍", "《就业促进法》第五十二条：就业援助", "ps_reviewer",
             GrantTerms(masking={}), "file")
    _granted(city, "sw:jobs", JOBS, "sw", 31, ["id_number", "employment_date", "name", "employer", "credit_code"],
             "个人所得税专项附加扣除信息核验", "《个人所得税法》第十五条", None)
    _granted(city, "jw:jobs", JOBS, "jw", 32, ["id_number", "employment_date", "employer"],
             "随迁子女入学资格审核中核验父母就业", "《义务教育法》第十二条", None)
    _granted(city, "jz:insured", INSURED, "jz", 40, ["insured_no", "insurance_type", "name", "insured_status"],
             "低保申请家庭参保状况核对（专项核查）", "《社会救助暂行办法》第十一条", None, period_days=33)
    # waiting: for the provider (one overdue), for the big data center; refused, objection before the authority
    _request(city, RESIDENTS, "jw", 2, ["id_number", "name", "birth_date", "police_station", "household_no"],
             "义务教育入学户籍核验", "《义务教育法》第十二条：适龄儿童户籍所在地入学")
    _request(city, RESIDENTS, "sb", 16, ["id_number", "name", "birth_date"], "参保登记中核验身份",
             "《社会保险法》第五十八条")
    waiting = _request(city, VEHICLES, "jz", 6, ["plate_no", "vehicle_type", "owner_id", "first_reg_date"],
                       "低保申请家庭车辆情况核对", "《社会救助暂行办法》第十一条：家庭财产状况核对")
    _review(city, waiting, 3, "pass", "ps_reviewer", "同意，车主身份号码脱敏提供",
            GrantTerms(masking={"owner_id": "id_number"}))
    refused = _request(city, VIOLATIONS, "rz", 12, ["decision_no", "plate_no", "violation_time", "penalty_points"],
                       "工伤职工劳动能力复查中了解驾驶情况", "《工伤保险条例》第二十八条")
    _review(city, refused, 9, "reject", "ps_reviewer", "交通违法信息含行踪轨迹，与待遇资格认证无直接关联")
    with city.on(8, 16, 40):
        service.object_to_refusal(city.session, _person(city.session, "hr_manager"), refused.id, ReasonPayload(
            reason="劳动能力复查须核实申请人是否从事驾驶等工作，仅需违法记录数量，可按最小必要原则提供"))
    _drafts(city)


def _draft(city: _City, name: str, system: str, days_ago: int, purpose: str, basis: str,
           items: list[str] | None = None) -> ShareRequest | None:
    """A draft by 市民政局's data user (nothing when the account is missing)."""
    drafter = _person(city.session, "mca_user")
    if drafter.kind != "user":
        return None
    with city.on(days_ago, 9, 40):
        today = utcnow().date()
        return service.draft_request(city.session, drafter, DraftCreate(
            code=city.codes[name], system_id=city.systems[system].id, items=items, purpose=purpose, basis=basis,
            period_from=today, period_to=today + dt.timedelta(days=364)))


def _drafts(city: _City) -> None:
    """市民政局's data user drafts; its data manager submits one (granted: she is its end user), returns one
    with a reason, and has one waiting in his inbox."""
    manager = _person(city.session, "mca_manager")
    submitted = _draft(city, ENTITIES, "jz", 20, "低保申请家庭成员名下市场主体核对",
                       "《社会救助暂行办法》第十一条：家庭经济状况核对")
    if submitted is None:
        return
    with city.on(19, 10, 5):
        service.submit_draft(city.session, manager, submitted.id)
    declined = _draft(city, FOOD, "jz", 7, "核对困难群众开办小餐饮的许可情况", "《社会救助暂行办法》")
    with city.on(6, 14, 30):
        service.decline_draft(city.session, manager, declined.id, ReasonPayload(  # type: ignore[union-attr]
            reason="与低保审核无直接关系；需要时请写明具体业务场景和依据的条款后重新起草"))
    _draft(city, JOBS, "jz", 1, "低保家庭成员就业状况核对，认定家庭收入",
           "《社会救助暂行办法》第十一条：家庭经济状况核对", ["id_number", "name", "employer", "employment_date"])


def _status_changes(city: _City) -> dict[int, Callable[[], None]]:
    """Suspension and revocation, by the day they happen."""
    def suspend() -> None:
        with city.on(4, 14, 5):
            service.suspend_grant(city.session, _person(city.session, "hr_manager"), city.grants["sw:jobs"].id,
                                  ReasonPayload(reason="调用量与约定用途不符，暂停授权待核查"))

    def revoke() -> None:
        with city.on(10, 16, 30):
            service.revoke_grant(city.session, _person(city.session, "supervisor"), city.grants["jw:jobs"].id,
                                 ReasonPayload(reason="核查发现调用超出入学资格审核所需范围，撤销授权"))

    return {4: suspend, 10: revoke}


# --- calls of the data service API ---------------------------------------------------------------------


def _call(city: _City, label: str, when: dt.datetime, fn: Callable[..., Any], *args: Any) -> Any:
    """One call of the consumer system of grant ``label`` at ``when``; a refusal is part of the story."""
    grant = city.grants[label]
    system = city.systems[label.split(":")[0]]
    staff = next(s for k, *_, s in SYSTEMS if k == label.split(":")[0])
    actor = system_actor(system, f"10.20.{system.department_id}.{10 + system.id % 200}", None,
                         city.rnd.choice(staff))
    city.calls += 1
    with frozen_at(when):
        try:
            result = fn(city.session, actor, grant.resource_code, *args)
        except DomainError:
            return None
    if isinstance(result, service.Export):
        result.file.close()
    return result


def _moments(city: _City, days_ago: int, n: int) -> list[dt.datetime]:
    return sorted(city.at(days_ago, city.rnd.randint(9, 17), city.rnd.randint(0, 59)) for _ in range(n))


def _lookups(city: _City, label: str, days_ago: int, n: int, query: list[tuple[str, str]] | None = None) -> None:
    """A query (first time: to learn some keys) and ``n`` record lookups by key."""
    if label not in city.keys:
        page = _call(city, label, city.at(days_ago, 9, 5), service.query_records, query or [], None, 50)
        city.keys[label] = [r["key"] for r in (page or {}).get("records", []) if "key" in r]
    for when in _moments(city, days_ago, n):
        if city.keys[label]:
            _call(city, label, when, service.read_record, city.rnd.choice(city.keys[label]))


def _day_of_calls(city: _City, days_ago: int) -> None:
    day = city.today - dt.timedelta(days=days_ago)
    workday = day.weekday() < 5
    active = {label for label, g in city.grants.items() if g.valid_from <= day}
    if "sw:市场主体登记信息" in active and workday:
        _lookups(city, "sw:市场主体登记信息", days_ago, 3, [("entity_status", "eq:存续")])
    if "sb:市场主体登记信息" in active and workday and days_ago % 2 == 0:
        _lookups(city, "sb:市场主体登记信息", days_ago, 2)
    if "jw:食品经营许可信息" in active and day.weekday() == 2:
        _lookups(city, "jw:食品经营许可信息", days_ago, 2)
    if "jy:市场主体登记信息" in active and day.weekday() == 0:
        _call(city, "jy:市场主体登记信息", city.at(days_ago, 8, 30), service.export_records, "csv", [])
    if "rz:residents" in active and workday:
        _lookups(city, "rz:residents", days_ago, 4)
    if "jz:residents" in active and workday:
        since = city.since.get("jz:residents", 0)
        changes = _call(city, "jz:residents", city.at(days_ago, 7, 0), service.read_changes, since, 500)
        city.since["jz:residents"] = (changes or {}).get("next_since", since)
    if "sw:vehicles" in active and day.weekday() == 4:
        _call(city, "sw:vehicles", city.at(days_ago, 18, 0), service.export_records, "xlsx", [])
    if "sw:jobs" in active and (workday and days_ago > 4 or days_ago in (4, 3, 0)):  # suspended on day 4
        _call(city, "sw:jobs", city.at(days_ago, 11, 0), service.query_records, [], None, 20)
    if "jw:jobs" in active and (workday and days_ago >= 10 or days_ago == 9):  # revoked on day 10
        _call(city, "jw:jobs", city.at(days_ago, 10, 0), service.query_records, [], None, 20)
    if "jz:insured" in active and (day.weekday() == 1 or days_ago in (5, 1, 0)):  # expired six days ago
        _call(city, "jz:insured", city.at(days_ago, 14, 0), service.query_records, [], None, 50)
    if "jy:residents" in active and days_ago in (6, 4, 2, 0):  # sustained bulk export of personal data
        _call(city, "jy:residents", city.at(days_ago, 19, 30), service.export_records, "csv", [])
    if days_ago == 2 and "rz:residents" in active:  # items beyond the grant
        for minute in (10, 12, 15):
            _call(city, "rz:residents", city.at(2, 16, minute), service.query_records,
                  [("address", "prefix:示范省云川市东城区")], None, 20)
    if days_ago == 0 and "rz:residents" in active and city.keys.get("rz:residents"):  # a burst over the limits
        for burst in range(4):
            when = city.at(0, 9, 1 + burst)
            for _ in range(33):
                _call(city, "rz:residents", when, service.read_record, city.rnd.choice(city.keys["rz:residents"]))


def load(session: Session, *, now: dt.datetime | None = None, seed: int = SEED) -> dict[str, Any]:
    """Load the demo's sharing history into the demo city (needs the demo catalog and datasets; returns an
    empty summary when they are missing). Returns counts and how long it took."""
    started = time.perf_counter()
    city = _City(session, now or utcnow(), random.Random(seed))
    city.codes = _codes(session)
    needed = (RESIDENTS, VEHICLES, VIOLATIONS, ENTITIES, FOOD, JOBS, INSURED)
    if any(name not in city.codes for name in needed):
        return {"grants": 0, "requests": 0, "calls": 0, "findings": 0, "seconds": 0.0}
    _register(city)
    _workflows(city)
    changes = _status_changes(city)
    findings = 0
    for days_ago in range(DAYS, -1, -1):
        _day_of_calls(city, days_ago)
        if days_ago in changes:  # in the afternoon, after the day's calls
            changes[days_ago]()
        with frozen_at(city.at(days_ago, 23, 30)):
            findings += service.detect_misuse(session, job_actor())["recorded"]
    session.flush()
    return {"grants": session.scalar(select(func.count()).select_from(Grant)),
            "requests": session.scalar(select(func.count()).select_from(ShareRequest)),
            "calls": city.calls, "findings": findings, "seconds": round(time.perf_counter() - started, 1)}

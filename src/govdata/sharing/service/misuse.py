"""Misuse of shared data (SUP-5; Art. 26 (4) and (5)): anomalies in the usage ledger recorded as findings.

The job ``detect_misuse`` (hourly) reads ``share_usage`` for today and yesterday (Beijing calendar days)
and records one finding (kind ``misuse``, ``aggregation_findings``) per grant, rule and day — a later run
adds nothing for the same day. The finding concerns the consumer department; its ``detail`` holds the rule,
the figures, the thresholds and ``correct_by``, the date by which the department must correct (the end of
the ``CORRECT_WITHIN_WORKDAYS``-th working day after detection, Art. 26: 责令限期改正).

=========================  ============================================================================
rule                       fires on day D when
=========================  ============================================================================
``volume``                 the grant's calls on D exceed ``VOLUME_FACTOR`` × the median of its daily calls
                           over the ``VOLUME_BASELINE_DAYS`` days before D (days since the grant began,
                           at least ``VOLUME_MIN_BASELINE`` of them; days without calls count as 0) and
                           exceed ``VOLUME_MIN_CALLS``
``outside_period``         calls refused on D because the grant was not in force: expired or not yet
                           valid (``share_grant_expired``), suspended or revoked, or of a withdrawn entry
``beyond_grant``           calls refused on D because they asked for items outside the grant
                           (``share_item_not_granted``)
``enumeration``            calls refused on D for probing masked values: lookups by a masked key past the
                           day's budget of misses (``share_verify_misses_exceeded``), or filters on a masked
                           item (``share_filter_not_allowed``) — a hidden value being guessed (Art. 26 (5))
``bulk_personal_export``   successful exports on D carried more than ``PERSONAL_EXPORT_ROWS`` rows with an
                           unmasked personal item, and so did exports on at least ``PERSONAL_EXPORT_DAYS``
                           of the ``PERSONAL_EXPORT_WINDOW`` days ending with D (Art. 26 (5))
=========================  ============================================================================

``list_misuse`` lists the findings for the supervisor's page (the consumer department sees its own).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govdata.aggregation import service as aggregation
from govdata.aggregation.models import Dataset
from govdata.catalog.models import Resource, ResourceVersion
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.db import utcnow
from govdata.core.jobs import job
from govdata.core.policy import authorize
from govdata.core.schemas import Strict
from govdata.sharing import policy
from govdata.sharing.models import Grant, Usage
from govdata.sharing.service.usage import local_day
from govdata.systems.models import BusinessSystem
from govdata.workflow import service as workflow

__all__ = ["CORRECT_WITHIN_WORKDAYS", "MISUSE_RULES", "MisuseFilter", "PERSONAL_EXPORT_DAYS", "PERSONAL_EXPORT_ROWS",
           "PERSONAL_EXPORT_WINDOW", "VOLUME_BASELINE_DAYS", "VOLUME_FACTOR", "VOLUME_MIN_BASELINE", "VOLUME_MIN_CALLS",
           "detect_misuse", "list_misuse"]

LOCAL = ZoneInfo("Asia/Shanghai")
VOLUME_FACTOR = 5
VOLUME_MIN_CALLS = 100
VOLUME_BASELINE_DAYS = 14
VOLUME_MIN_BASELINE = 3
PERSONAL_EXPORT_ROWS = 1000
PERSONAL_EXPORT_DAYS = 3
PERSONAL_EXPORT_WINDOW = 7
CORRECT_WITHIN_WORKDAYS = 10
OUT_OF_FORCE = ("share_grant_expired", "share_grant_suspended", "share_grant_revoked", "share_resource_withdrawn")
_ART26_4 = "第二十六条第（四）项：未按照规定使用共享数据"
_ART26_5 = "第二十六条第（五）项：违规使用涉及商业秘密、个人隐私的政务数据"
#: rule -> (Chinese label, the violation of Art. 26 it evidences)
MISUSE_RULES: dict[str, tuple[str, str]] = {
    "volume": ("调用量异常：远超该授权的日常水平", _ART26_4),
    "outside_period": ("授权期限外或授权暂停、撤销后仍调用", _ART26_4),
    "beyond_grant": ("请求授权范围以外的信息项", _ART26_4),
    "bulk_personal_export": ("持续批量导出未脱敏的个人信息", _ART26_5),
    "enumeration": ("疑似枚举推断脱敏数据：核验未命中超过限额，或以脱敏信息项为查询条件", _ART26_5),
}
#: refusal reason -> the rule it evidences
_REFUSAL_RULES = {**dict.fromkeys(OUT_OF_FORCE, "outside_period"), "share_item_not_granted": "beyond_grant",
                  "share_verify_misses_exceeded": "enumeration", "share_filter_not_allowed": "enumeration"}


class MisuseFilter(Strict):
    department_id: int | None = Field(default=None, description="the consumer department")
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=500)


def _day_range(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC bounds [start, end) of the Beijing days ``first``..``last``."""
    start = dt.datetime.combine(first, dt.time(), tzinfo=LOCAL).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=LOCAL).astimezone(dt.UTC)
    return start, end


def _key(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


Candidate = tuple[int, str, dt.date, dict[str, Any]]  # grant id, rule, day, figures


def _volume(session: Session, day: Any, days: list[dt.date]) -> list[Candidate]:
    """Daily calls per grant over the baseline and the days checked; the days far above the median."""
    start, end = _day_range(min(days) - dt.timedelta(days=VOLUME_BASELINE_DAYS), max(days))
    calls: dict[int, dict[str, int]] = defaultdict(dict)
    for grant_id, d, n in session.execute(select(Usage.grant_id, day, func.count())
                                          .where(Usage.at >= start, Usage.at < end, Usage.grant_id.is_not(None))
                                          .group_by(Usage.grant_id, day)):
        calls[grant_id][_key(d)] = n
    began = {i: d for i, d in session.execute(select(Grant.id, Grant.valid_from).where(Grant.id.in_(list(calls))))}
    found: list[Candidate] = []
    for grant_id, per_day in calls.items():
        for d in days:
            today = per_day.get(d.isoformat(), 0)
            if today <= VOLUME_MIN_CALLS:
                continue
            baseline = [d - dt.timedelta(days=n) for n in range(1, VOLUME_BASELINE_DAYS + 1)]
            baseline = [b for b in baseline if b >= began.get(grant_id, d)]
            if len(baseline) < VOLUME_MIN_BASELINE:
                continue
            median = statistics.median(per_day.get(b.isoformat(), 0) for b in baseline)
            if today > VOLUME_FACTOR * median:
                found.append((grant_id, "volume", d, {
                    "calls": today, "baseline_median": median, "baseline_days": len(baseline),
                    "threshold": {"factor": VOLUME_FACTOR, "min_calls": VOLUME_MIN_CALLS}}))
    return found


def _refusals(session: Session, day: Any, days: list[dt.date]) -> list[Candidate]:
    """Calls refused because the grant was not in force, for items beyond it, or for probing masked values,
    per grant, rule and day."""
    start, end = _day_range(min(days), max(days))
    refused: dict[tuple[int, str, str], dict[str, int]] = defaultdict(dict)
    for grant_id, d, reason, n in session.execute(
            select(Usage.grant_id, day, Usage.reason, func.count())
            .where(Usage.at >= start, Usage.at < end, Usage.result == "denied", Usage.grant_id.is_not(None),
                   Usage.reason.in_(list(_REFUSAL_RULES)))
            .group_by(Usage.grant_id, day, Usage.reason)):
        rule = _REFUSAL_RULES[reason]
        refused[(grant_id, _key(d), rule)][reason] = n
    return [(grant_id, rule, dt.date.fromisoformat(d_key),
             {"denied_calls": sum(by_reason.values()), "by_reason": by_reason})
            for (grant_id, d_key, rule), by_reason in refused.items()]


def _bulk_exports(session: Session, day: Any, days: list[dt.date]) -> list[Candidate]:
    """Days with many unmasked personal rows exported, when enough such days fall in the window."""
    start, end = _day_range(min(days) - dt.timedelta(days=PERSONAL_EXPORT_WINDOW - 1), max(days))
    heavy: dict[int, dict[str, int]] = defaultdict(dict)
    for grant_id, d, rows in session.execute(
            select(Usage.grant_id, day, func.sum(Usage.personal_rows))
            .where(Usage.at >= start, Usage.at < end, Usage.endpoint == "export", Usage.result == "success",
                   Usage.grant_id.is_not(None))
            .group_by(Usage.grant_id, day)):
        if int(rows or 0) > PERSONAL_EXPORT_ROWS:
            heavy[grant_id][_key(d)] = int(rows)
    found: list[Candidate] = []
    for grant_id, per_day in heavy.items():
        for d in days:
            if d.isoformat() not in per_day:
                continue
            window = [(d - dt.timedelta(days=n)).isoformat() for n in range(PERSONAL_EXPORT_WINDOW)]
            hits = {w: per_day[w] for w in sorted(window) if w in per_day}
            if len(hits) >= PERSONAL_EXPORT_DAYS:
                found.append((grant_id, "bulk_personal_export", d, {
                    "personal_rows_by_day": hits, "threshold": {
                        "rows": PERSONAL_EXPORT_ROWS, "days": PERSONAL_EXPORT_DAYS, "window": PERSONAL_EXPORT_WINDOW}}))
    return found


def _candidates(session: Session, days: list[dt.date]) -> list[Candidate]:
    """Every rule that fires on one of ``days`` (module docstring)."""
    day = local_day(session, Usage.at)
    return _volume(session, day, days) + _refusals(session, day, days) + _bulk_exports(session, day, days)


def _grants(session: Session, ids: set[int]) -> dict[int, dict[str, Any]]:
    """What a finding says of each grant: resource, dataset, consumer department and system."""
    rows = session.execute(
        select(Grant, ResourceVersion.name, BusinessSystem.name, Dataset.id)
        .join(Resource, Resource.id == Grant.resource_id)
        .join(ResourceVersion, ResourceVersion.id == Resource.published_version_id, isouter=True)
        .join(BusinessSystem, BusinessSystem.id == Grant.system_id, isouter=True)
        .join(Dataset, Dataset.resource_id == Grant.resource_id, isouter=True)
        .where(Grant.id.in_(ids)))
    return {g.id: {"grant": g, "resource_name": rname, "system_name": sname, "dataset_id": dataset_id}
            for g, rname, sname, dataset_id in rows}


@job("detect_misuse", every_minutes=60,
     description="Check today's and yesterday's use of shared data for misuse (volume far above normal, calls "
                 "outside the grant, items beyond it, sustained bulk export of personal data); record findings")
def detect_misuse(session: Session, actor: Actor, now: dt.datetime | None = None) -> dict[str, Any]:
    """Record a ``misuse`` finding per grant, rule and day found (module docstring), each audited.
    Returns ``days`` (checked), ``found`` (rules that fired) and ``recorded`` (new findings)."""
    authorize(actor, policy.detect_misuse)
    now = now or utcnow()
    today = now.astimezone(LOCAL).date()
    days = [today - dt.timedelta(days=1), today]
    found = _candidates(session, days)
    grants = _grants(session, {grant_id for grant_id, *_ in found})
    correct_by = workflow.calendar(session).add_workdays(now.astimezone(LOCAL), CORRECT_WITHIN_WORKDAYS)
    recorded = 0
    for grant_id, rule, day, figures in sorted(found, key=lambda f: (f[2], f[0], f[1])):
        info = grants.get(grant_id)
        if info is None:
            continue
        grant: Grant = info["grant"]
        label, violation = MISUSE_RULES[rule]
        detail = {"rule": rule, "rule_label": label, "violation": violation, "day": day.isoformat(),
                  "grant_id": grant.id, "resource_code": grant.resource_code, "resource_name": info["resource_name"],
                  "provider_department_id": grant.provider_department_id,
                  "consumer_department_id": grant.consumer_department_id, "system_id": grant.system_id,
                  "system_name": info["system_name"], "purpose": grant.purpose, "figures": figures,
                  "correct_by": correct_by.deadline.date().isoformat(),
                  "correct_within_workdays": CORRECT_WITHIN_WORKDAYS}
        finding = aggregation.record_finding(
            session, "misuse", actor_name=info["system_name"] or f"system {grant.system_id}",
            department_id=grant.consumer_department_id, dataset_id=info["dataset_id"], detail=detail,
            key=f"misuse:{grant.id}:{rule}:{day.isoformat()}")
        if finding is None:
            continue
        audit.record(session, actor, "sharing.detect_misuse", object_type="grant", object_id=grant.id,
                     department_id=grant.consumer_department_id, purpose=label,
                     detail={"finding_id": finding.id, **detail})
        recorded += 1
    return {"days": [d.isoformat() for d in days], "found": len(found), "recorded": recorded}


def list_misuse(session: Session, actor: Actor, filt: MisuseFilter) -> tuple[list[dict[str, Any]], int]:
    """Misuse findings visible to ``actor``, newest first (``aggregation.list_findings`` of kind ``misuse``)."""
    authorize(actor, policy.list_misuse)
    return aggregation.list_findings(session, actor, aggregation.FindingFilter(
        kind="misuse", department_id=filt.department_id, since=filt.since, until=filt.until, offset=filt.offset,
        limit=filt.limit))

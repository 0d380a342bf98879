"""Reads for other contexts' reports (CAT-3, SUP-5, SHR-1): the published contents of a department or of
classification branches, and the sharing pressure — entries shared only on conditions or not shared for
now, per department, with the 暂不共享 entries due for their periodic review (SHR-6).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from govdata.catalog import policy
from govdata.catalog.models import Classification, Resource, ResourceVersion
from govdata.core.actor import Actor
from govdata.core.db import settings_of, utcnow
from govdata.core.policy import authorize

__all__ = ["DepartmentPressure", "PressureEntry", "SharingPressure", "published_contents", "sharing_pressure"]


def published_contents(session: Session, actor: Actor, department_id: int | None = None,
                       classification_prefixes: tuple[str, ...] = ()) -> list[tuple[Resource, ResourceVersion]]:
    """Published, not withdrawn entries with their published version (items, classification and department
    loaded), for the reports of other contexts: one department's, and/or those filed under classification
    codes starting with one of ``classification_prefixes``."""
    authorize(actor, policy.published_contents)
    query = (select(Resource, ResourceVersion)
             .join(ResourceVersion, ResourceVersion.id == Resource.published_version_id)
             .where(ResourceVersion.status == "published")
             .options(selectinload(Resource.department), selectinload(ResourceVersion.classification)))
    if department_id is not None:
        query = query.where(Resource.department_id == department_id)
    if classification_prefixes:
        codes = select(Classification.id).where(or_(*(Classification.code.startswith(p)
                                                      for p in classification_prefixes)))
        query = query.where(ResourceVersion.classification_id.in_(codes))
    return [(r, v) for r, v in session.execute(query.order_by(Resource.code))]


@dataclass
class PressureEntry:
    code: str
    name: str
    department_id: int
    department_name: str
    share_type: str
    share_condition: str | None
    legal_basis: str | None
    published_at: dt.datetime | None
    next_share_review_at: dt.date | None
    review_due: bool


@dataclass
class DepartmentPressure:
    department_id: int
    department_name: str
    entries: list[PressureEntry]
    conditional: int = 0
    not_shared: int = 0
    review_due: int = 0


@dataclass
class SharingPressure:
    as_of: dt.date
    review_months: int
    conditional: int
    not_shared: int
    departments: list[DepartmentPressure]
    due: list[PressureEntry]


def sharing_pressure(session: Session, actor: Actor, department_id: int | None = None,
                     as_of: dt.date | None = None) -> SharingPressure:
    """Per department, the published entries shared only on conditions (有条件共享) or not shared for now
    (暂不共享), each with its legal basis (SHR-1), and the 暂不共享 entries whose periodic review is due on or
    before ``as_of`` (default today; SHR-6). Overseers see every department, a department its own rows."""
    authorize(actor, policy.sharing_pressure, department_id)
    today = as_of or utcnow().date()
    query = (select(Resource, ResourceVersion)
             .join(ResourceVersion, ResourceVersion.id == Resource.published_version_id)
             .where(ResourceVersion.status == "published", ResourceVersion.share_type.in_(("有条件共享", "暂不共享")),
                    policy.pressure_visible_to(actor))
             .options(selectinload(Resource.department)))
    if department_id is not None:
        query = query.where(Resource.department_id == department_id)
    departments: dict[int, DepartmentPressure] = {}
    due: list[PressureEntry] = []
    for resource, v in session.execute(query.order_by(Resource.department_id, Resource.code)):
        review_at = resource.next_share_review_at
        entry = PressureEntry(resource.code, v.name, resource.department_id, resource.department.name, v.share_type,
                              v.share_condition, v.legal_basis, v.published_at, review_at,
                              v.share_type == "暂不共享" and (review_at is None or review_at <= today))
        row = departments.setdefault(resource.department_id,
                                     DepartmentPressure(resource.department_id, resource.department.name, []))
        row.entries.append(entry)
        if v.share_type == "有条件共享":
            row.conditional += 1
        else:
            row.not_shared += 1
        if entry.review_due:
            row.review_due += 1
            due.append(entry)
    rows = sorted(departments.values(), key=lambda d: (-(d.conditional + d.not_shared), d.department_id))
    due.sort(key=lambda e: (e.next_share_review_at or dt.date.min, e.code))
    return SharingPressure(today, settings_of(session).share_review_months, sum(d.conditional for d in rows),
                           sum(d.not_shared for d in rows), rows, due)

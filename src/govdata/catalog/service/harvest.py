"""The catalog for harvesters (DCAT export, CKAN action API; CAT-5, OPN-1): published entries, the
publishing departments. Anonymous callers are let in by the edge for these reads only and see what is open
to the public.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, false, func, literal, select
from sqlalchemy.orm import Session, selectinload

from govdata.catalog import policy, search
from govdata.catalog.interop import KEYWORD_SEPARATORS, PublishedFilter, PublishedPage, split_keywords
from govdata.catalog.models import Resource, ResourceVersion
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.errors import NotFound
from govdata.core.policy import authorize
from govdata.org.models import Department

__all__ = ["export_dcat", "get_published", "get_publisher", "list_published", "list_publishers"]


def _published_query(actor: Actor) -> Any:
    """Published, not withdrawn entries the actor may see, with their published version and department."""
    return (select(Resource, ResourceVersion)
            .join(ResourceVersion, ResourceVersion.id == Resource.published_version_id)
            .join(Department, Department.id == Resource.department_id)
            .where(ResourceVersion.status == "published", policy.published_visible_to(actor)))


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _has_keyword(tag: str) -> Any:
    """The version's keywords contain ``tag`` as a whole keyword (separators normalised to commas)."""
    keywords: Any = func.coalesce(ResourceVersion.keywords, "")
    for separator in KEYWORD_SEPARATORS[1:]:
        keywords = func.replace(keywords, separator, ",")
    return (literal(",", String) + keywords + literal(",", String)).like(_like(f",{tag},"), escape="\\")


def _filtered(session: Session, query: Any, filt: PublishedFilter) -> Any:
    if filt.match_nothing:
        return query.where(false())
    for term in filt.terms:  # the same Chinese search index as the catalog pages (CAT-5)
        query = query.where(Resource.id.in_(search.matching(session, term)))
    if filt.code:
        query = query.where(Resource.code == filt.code.upper())
    if filt.organization:
        query = query.where(Department.credit_code == filt.organization.upper())
    for tag in filt.tags:
        query = query.where(_has_keyword(tag))
    if filt.format:
        query = query.where(ResourceVersion.format == filt.format)
    if filt.modified_from:
        query = query.where(ResourceVersion.published_at >= filt.modified_from)
    if filt.modified_to:
        query = query.where(ResourceVersion.published_at <= filt.modified_to)
    return query


_SORT_COLUMNS: dict[str, Any] = {"metadata_modified": ResourceVersion.published_at,
                                 "metadata_created": Resource.published_at, "name": Resource.code,
                                 "title_string": ResourceVersion.name}


def _facets(session: Session, query: Any, filt: PublishedFilter) -> dict[str, list[tuple[str, str, int]]]:
    counts: dict[str, dict[str, tuple[str, int]]] = {}
    if "organization" in filt.facet_fields:
        rows = session.execute(query.with_only_columns(Department.credit_code, Department.name, func.count())
                               .group_by(Department.credit_code, Department.name))
        counts["organization"] = {code.lower(): (name, n) for code, name, n in rows}
    if "tags" in filt.facet_fields:
        tags: dict[str, tuple[str, int]] = {}
        for keywords in session.scalars(query.with_only_columns(ResourceVersion.keywords)):
            for tag in split_keywords(keywords):
                tags[tag] = (tag, tags.get(tag, (tag, 0))[1] + 1)
        counts["tags"] = tags
    result: dict[str, list[tuple[str, str, int]]] = {}
    for name, found in counts.items():
        ranked = sorted(((key, label, n) for key, (label, n) in found.items() if n >= filt.facet_mincount),
                        key=lambda entry: (-entry[2], entry[0]))
        result[name] = ranked if filt.facet_limit < 0 else ranked[:filt.facet_limit]
    return result


def list_published(session: Session, actor: Actor, filt: PublishedFilter) -> PublishedPage:
    """Published entries for harvesters (CKAN package_list / package_search): every published entry for a
    signed-in caller, only those open to the public for an anonymous one; drafts never."""
    authorize(actor, policy.list_published)
    query = _filtered(session, _published_query(actor), filt)
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Resource.id).subquery())) or 0
    facets = _facets(session, query, filt) if filt.facet_fields else {}
    order = [_SORT_COLUMNS[f].desc() if descending else _SORT_COLUMNS[f].asc() for f, descending in filt.sort]
    query = query.options(selectinload(Resource.department), selectinload(ResourceVersion.classification))
    query = query.order_by(*order, Resource.code).offset(filt.start)
    if filt.rows is not None:
        query = query.limit(filt.rows)
    rows = [(r, v) for r, v in session.execute(query)] if filt.rows != 0 else []
    return PublishedPage(rows=rows, total=total, facets=facets)


def get_published(session: Session, actor: Actor, code: str) -> tuple[Resource, ResourceVersion]:
    """One published entry (CKAN package_show); an entry the caller may not see is not found."""
    authorize(actor, policy.get_published)
    row = session.execute(_published_query(actor).where(Resource.code == code.strip().upper())
                          .options(selectinload(Resource.department),
                                   selectinload(ResourceVersion.classification))).first()
    if row is None:
        raise NotFound("目录资源", code, "Catalog resource")
    return row[0], row[1]


def export_dcat(session: Session, actor: Actor) -> list[tuple[Resource, ResourceVersion]]:
    """Every published entry the caller may see, for the DCAT-AP export."""
    authorize(actor, policy.export_dcat)
    page = list_published(session, actor, PublishedFilter())
    # Only signed-in exports are audited: they carry entries not open to the public (SEC-2). An anonymous
    # export holds nothing beyond the open catalog, and harvesters polling it would flood the audit log.
    if actor.is_authenticated:
        audit.record(session, actor, "catalog.export_dcat", object_type="catalog", medium="json-ld",
                     data_content={"resources": len(page.rows)})
    return page.rows


def list_publishers(session: Session, actor: Actor) -> list[tuple[Department, int]]:
    """Departments with published entries the caller may see, and how many (CKAN organization_list)."""
    authorize(actor, policy.list_publishers)
    counted = (_published_query(actor).with_only_columns(Department.id, func.count())
               .group_by(Department.id).subquery())
    rows = session.execute(select(Department, counted.c[1]).join(counted, counted.c.id == Department.id)
                           .order_by(Department.credit_code))
    return [(department, count) for department, count in rows]


def get_publisher(session: Session, actor: Actor, name: str,
                  datasets: int = 0) -> tuple[Department, int, list[tuple[Resource, ResourceVersion]]]:
    """A department that publishes entries the caller may see, by its unified social credit code (any
    case), with its count and up to ``datasets`` of those entries (CKAN organization_show)."""
    authorize(actor, policy.get_publisher)
    department = session.scalar(select(Department).where(Department.credit_code == name.strip().upper()))
    page = list_published(session, actor, PublishedFilter(organization=name.strip(), rows=datasets))
    if department is None or page.total == 0:
        raise NotFound("发布部门", name, "Organization")
    return department, page.total, page.rows

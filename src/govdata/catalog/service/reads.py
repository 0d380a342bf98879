"""Reading the catalog: the list with its filters and search (CAT-5), facets and the classification tree,
one entry, its draft where the reader may see it, and its version history.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from govdata.catalog import policy, search
from govdata.catalog.models import Classification, Resource, ResourceItem, ResourceVersion
from govdata.catalog.schemas import ResourceFilter
from govdata.catalog.service.versions import resource_by_code, version
from govdata.core.actor import Actor
from govdata.core.errors import NotFound
from govdata.core.policy import allowed, authorize

__all__ = ["classification_tree", "draft_for", "facets", "get_resource", "get_resource_by_id",
           "list_resources", "version_history"]


def list_resources(session: Session, actor: Actor, filt: ResourceFilter) -> tuple[list[Resource], int]:
    """Entries the actor may see, filtered. Published content is matched for everyone; the caller's own
    drafts are matched on their draft content (``mine``)."""
    authorize(actor, policy.list_resources)
    if filt.q and not filt.mine and filt.status is None:  # published entries, all in the search index (CAT-5)
        ids, total = search.find(session, filt)
        found = session.scalars(select(Resource).where(Resource.id.in_(ids)).order_by(Resource.code)) if ids else []
        return list(found), total
    shown = ResourceVersion.id == (Resource.draft_version_id if filt.mine else Resource.published_version_id)
    if filt.mine:
        shown = ResourceVersion.id == func.coalesce(Resource.draft_version_id, Resource.published_version_id)
    query = select(Resource).join(ResourceVersion, shown).where(policy.resources_visible_to(actor))
    if filt.mine:
        query = query.where(Resource.department_id == actor.department_id)
    elif filt.status is None:  # the published catalog: withdrawn entries only when asked for by status
        query = query.where(ResourceVersion.status == "published")
    if filt.q and not filt.mine:  # published content with a status filter: the search index too
        query = query.where(Resource.id.in_(search.matching(session, filt.q)))
    elif filt.q:  # the department's own drafts are not indexed: a plain scan of its few entries
        like = "%" + filt.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        items = select(ResourceItem.version_id).where(ResourceItem.name.like(like, escape="\\"))
        query = query.where(or_(ResourceVersion.name.like(like, escape="\\"),
                                ResourceVersion.summary.like(like, escape="\\"),
                                Resource.code.like(like, escape="\\"), ResourceVersion.id.in_(items)))
    if filt.department_id:
        query = query.where(Resource.department_id == filt.department_id)
    if filt.classification_code:
        codes = select(Classification.id).where(Classification.code.startswith(filt.classification_code,
                                                                               autoescape=True))
        query = query.where(ResourceVersion.classification_id.in_(codes))
    for field in ("share_type", "format", "update_cycle", "open_to_public"):
        value = getattr(filt, field)
        if value is not None:
            query = query.where(getattr(ResourceVersion, field) == value)
    if filt.status:
        query = query.where(Resource.status == filt.status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Resource.code).offset(filt.offset).limit(filt.limit))
    return list(rows), total


def get_resource_by_id(session: Session, actor: Actor, resource_id: int) -> Resource:
    """The same as ``get_resource``, for callers that hold the id (work items name their subject by id)."""
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFound("目录资源", resource_id, "Catalog resource")
    authorize(actor, policy.get_resource_by_id, resource)
    return resource


def get_resource(session: Session, actor: Actor, code: str) -> Resource:
    resource = resource_by_code(session, code)
    authorize(actor, policy.get_resource, resource)
    return resource


def draft_for(session: Session, actor: Actor, resource: Resource) -> ResourceVersion | None:
    """The entry's draft if this actor may see it, else None."""
    if resource.draft_version_id is None or not allowed(actor, policy.draft_for, resource):
        return None
    return version(session, resource.draft_version_id)


def version_history(session: Session, actor: Actor, code: str) -> list[ResourceVersion]:
    """The versions of an entry, newest first: all of them for its department and the overseers, the ones
    that were published for everyone else."""
    resource = get_resource(session, actor, code)
    query = select(ResourceVersion).where(ResourceVersion.resource_id == resource.id)
    if not allowed(actor, policy.version_history, resource):
        query = query.where(ResourceVersion.status.in_(("published", "superseded", "withdrawn")))
    return list(session.scalars(query.order_by(ResourceVersion.version_no.desc())))


def facets(session: Session, actor: Actor, filt: ResourceFilter) -> dict[str, list[tuple[Any, str, int]]]:
    """Counts of published entries per department, classification (项), share type, format, update cycle
    and openness, as (value, label, count), for the filter's query; each facet ignores its own filter so
    its other values keep their counts. ``mine``, ``status``, ``offset`` and ``limit`` do not apply."""
    authorize(actor, policy.facets)
    return search.facet_counts(session, filt)


def classification_tree(session: Session, actor: Actor) -> list[search.TreeNode]:
    """The classification (类 > 项 …) with the number of published entries under each node."""
    authorize(actor, policy.classification_tree)
    return search.tree(session)

"""Who may do what with catalog entries. One rule per service function, of the same name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from govdata.catalog.models import Resource, ResourceVersion
from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES

CATALOG_KEEPERS = ("dept_manager",)


def _own(actor: Actor, department_id: int | None) -> bool:
    return department_id is not None and department_id == actor.department_id


def list_resources(actor: Actor, obj: Any = None) -> bool:
    return actor.is_authenticated


def facets(actor: Actor, obj: Any = None) -> bool:
    """Facets and the classification tree count published entries only, which every department may find."""
    return actor.is_authenticated


def classification_tree(actor: Actor, obj: Any = None) -> bool:
    return actor.is_authenticated


def get_resource(actor: Actor, obj: Any = None) -> bool:
    """Published entries are for every department (on-demand sharing starts from the catalog); drafts and
    entries under review only for the owning department and the overseers."""
    if obj is None:
        return actor.is_authenticated
    return (obj.published_version_id is not None and actor.is_authenticated) or _own(actor, obj.department_id) \
        or actor.has(*OVERSIGHT_ROLES)


def draft_for(actor: Actor, obj: Any = None) -> bool:
    """A draft (or a version under review) is seen by its department and the overseers only."""
    return obj is not None and (_own(actor, obj.department_id) or actor.has(*OVERSIGHT_ROLES)
                                or actor.kind == "platform")


version_history = draft_for


get_resource_by_id = get_resource


def create_resource(actor: Actor, obj: Any = None) -> bool:
    """obj: the department id."""
    return actor.has("platform_admin") or (actor.has(*CATALOG_KEEPERS) and _own(actor, obj))


def update_draft(actor: Actor, obj: Any = None) -> bool:
    return obj is not None and (actor.has("platform_admin") or (actor.has(*CATALOG_KEEPERS)
                                                                and _own(actor, obj.department_id)))


submit_resource = update_draft
request_withdrawal = update_draft


def review_resource(actor: Actor, obj: Any = None) -> bool:
    """Who takes which review step is the process definition's; here: someone concerned with the entry."""
    return obj is not None and (actor.has("platform_admin") or _own(actor, obj.department_id))


def decide_withdrawal(actor: Actor, obj: Any = None) -> bool:
    return actor.has("platform_admin")


def resources_visible_to(actor: Actor) -> ColumnElement[bool]:
    if actor.kind == "platform" or actor.has(*OVERSIGHT_ROLES):
        return true()
    clauses = [Resource.published_version_id.is_not(None)]
    if actor.department_id is not None:
        clauses.append(Resource.department_id == actor.department_id)
    return or_(*clauses)


# --- catalog interchange for harvesters (DCAT export, CKAN action API) -------------------------------

def list_published(actor: Actor, obj: Any = None) -> bool:
    """Anyone, anonymous callers included (OPN-1): what each sees is narrowed by ``published_visible_to``."""
    return True


get_published = list_published
export_dcat = list_published
list_publishers = list_published
get_publisher = list_published


def published_visible_to(actor: Actor) -> ColumnElement[bool]:
    """Of the published versions: all for a signed-in caller (the catalog is for every department, CAT-5),
    those open to the public for an anonymous one."""
    if actor.is_authenticated:
        return true()
    return ResourceVersion.open_to_public.is_(True)


# --- reads for other contexts' reports, and sharing pressure (CAT-3, SUP-5, SHR-1, SHR-6) ---------------

def published_contents(actor: Actor, obj: Any = None) -> bool:
    """Published entries for the reports of other contexts: the published catalog is for every department."""
    return actor.is_authenticated


def sharing_pressure(actor: Actor, obj: Any = None) -> bool:
    """obj: the department asked for, or None. Overseers see every department; a department its own rows."""
    if actor.has(*OVERSIGHT_ROLES):
        return True
    return actor.is_authenticated and actor.department_id is not None and obj in (None, actor.department_id)


def pressure_visible_to(actor: Actor) -> ColumnElement[bool]:
    """The entries whose sharing pressure the actor sees: all for the overseers, else the own department's."""
    if actor.kind == "platform" or actor.has(*OVERSIGHT_ROLES):
        return true()
    if actor.department_id is None:
        return false()
    return Resource.department_id == actor.department_id


# --- Excel interchange of a department's catalog (CAT-1) ------------------------------------------------

def import_catalog(actor: Actor, obj: Any = None) -> bool:
    """obj: the department imported into. Its data manager, or the platform admin (as ``create_resource``)."""
    return actor.has("platform_admin") or (actor.has(*CATALOG_KEEPERS) and _own(actor, obj))


def export_catalog(actor: Actor, obj: Any = None) -> bool:
    """Any signed-in actor; the service exports drafts only where ``draft_for`` allows, else published content."""
    return actor.is_authenticated

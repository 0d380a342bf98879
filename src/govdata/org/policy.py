"""Who may do what in the org context. One rule per service function, of the same name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, true

from govdata.core.actor import Actor
from govdata.core.policy import OVERSIGHT_ROLES
from govdata.org.models import User

# Roles a department manager may hand out inside their own department.
DEPARTMENT_GRANTABLE = frozenset({"dept_manager", "dept_reviewer", "data_user"})


def _authenticated(actor: Actor, obj: Any = None) -> bool:
    return actor.is_authenticated


def list_regions(actor: Actor, obj: Any = None) -> bool:
    return _authenticated(actor)


def create_region(actor: Actor, obj: Any = None) -> bool:
    return actor.has("platform_admin")


def summary(actor: Actor, obj: Any = None) -> bool:
    return actor.has(*OVERSIGHT_ROLES)


def list_departments(actor: Actor, obj: Any = None) -> bool:
    return _authenticated(actor)


def get_department(actor: Actor, obj: Any = None) -> bool:
    return _authenticated(actor)


def create_department(actor: Actor, obj: Any = None) -> bool:
    return actor.has("platform_admin")


def update_department(actor: Actor, obj: Any = None) -> bool:
    """Admins change anything; a department's manager changes only the own department's own fields."""
    if actor.has("platform_admin"):
        return True
    if obj is None:
        return actor.has("dept_manager")
    department, changes = obj
    admin_fields = {"name", "kind", "credit_code", "region_code", "active"}
    return (actor.has("dept_manager") and department.id == actor.department_id
            and not admin_fields.intersection(changes))


def list_people(actor: Actor, obj: Any = None) -> bool:
    return _authenticated(actor)


def set_person(actor: Actor, obj: Any = None) -> bool:
    """The department's responsible persons are kept by its own manager (or an admin)."""
    if actor.has("platform_admin"):
        return True
    return actor.has("dept_manager") and (obj is None or obj.id == actor.department_id)


add_contact = set_person
end_contact = set_person


def list_users(actor: Actor, obj: Any = None) -> bool:
    return _authenticated(actor)


def get_user(actor: Actor, obj: Any = None) -> bool:
    if actor.has(*OVERSIGHT_ROLES) or (obj is not None and obj.id == actor.user_id):
        return True
    return actor.has("dept_manager") and obj is not None and obj.department_id == actor.department_id


def create_user(actor: Actor, obj: Any = None) -> bool:
    """obj: (department_id, roles). Managers add people to their own department with ordinary roles."""
    if actor.has("platform_admin"):
        return True
    if not actor.has("dept_manager"):
        return False
    if obj is None:
        return True
    department_id, roles = obj
    return department_id == actor.department_id and set(roles) <= DEPARTMENT_GRANTABLE


def update_user(actor: Actor, obj: Any = None) -> bool:
    """obj: (user, new_roles or None)."""
    if actor.has("platform_admin"):
        return True
    if not actor.has("dept_manager") or obj is None:
        return False
    user, roles = obj
    current = set(user.roles)
    return (user.department_id == actor.department_id and current <= DEPARTMENT_GRANTABLE
            and (roles is None or set(roles) <= DEPARTMENT_GRANTABLE))


def change_password(actor: Actor, obj: Any = None) -> bool:
    return actor.kind == "user"


def create_token(actor: Actor, obj: Any = None) -> bool:
    return actor.kind == "user"


def list_tokens(actor: Actor, obj: Any = None) -> bool:
    return actor.kind == "user"


def revoke_token(actor: Actor, obj: Any = None) -> bool:
    return obj is not None and (obj.user_id == actor.user_id or actor.has("platform_admin"))


def users_visible_to(actor: Actor) -> ColumnElement[bool]:
    """SQL clause: the users an actor may list."""
    if actor.kind == "platform" or actor.has(*OVERSIGHT_ROLES):
        return true()
    if actor.has("dept_manager") and actor.department_id is not None:
        return User.department_id == actor.department_id
    if actor.user_id is not None:
        return User.id == actor.user_id
    return false()

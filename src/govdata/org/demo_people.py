"""The demo city's people as actors, for the demo loaders (``govdata demo``): records name the person who
would have done each step — a department's data manager registers and submits, its reviewer reviews, the
big data center's administrator approves — instead of the platform.

Each look-up falls back to the platform actor ``govdata-demo`` when the account is missing (tests that load
only part of the demo city), so a loader never fails for want of a person.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from govdata.core.actor import Actor, platform_actor
from govdata.org.models import User, UserRole
from govdata.org.signin import actor_for

FALLBACK = "govdata-demo"


def person(session: Session, username: str, method: str = "ui") -> Actor:
    """The demo account ``username`` acting (in the browser unless ``method`` says otherwise)."""
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    return actor_for(user, method) if user is not None else platform_actor(FALLBACK)


def staff(session: Session, department_id: int, role: str, method: str = "ui") -> Actor:
    """The department's first account holding ``role`` (the demo accounts come before the staff ones)."""
    user = session.scalar(select(User).where(
        User.department_id == department_id, User.active.is_(True),
        User.role_rows.any(UserRole.role == role)).order_by(User.id).limit(1))
    return actor_for(user, method) if user is not None else platform_actor(FALLBACK)


def admin(session: Session) -> Actor:
    """The big data center's platform administrator."""
    return person(session, "admin")

"""Who is acting: a person, a registered business system, or the platform itself (CLI, jobs)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    kind: str  # "user" | "system" | "platform" | "anonymous"
    name: str
    user_id: int | None = None
    system_id: int | None = None
    department_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    method: str = "api"  # "api" | "ui" | "cli" | "job"
    client_addr: str | None = None
    request_id: str | None = None
    session_id: int | None = None
    display_name: str | None = None  # a person's name for screens; ``name`` (the username) is what audits
    end_user: str | None = None  # the person a signed system acts for (X-End-User), as the system says
    # (AppKey, nonce) of a signed call whose replay check is made with the call's own record
    # (systems.signin.authenticate_deferred / claim_nonces)
    nonce: tuple[str, str] | None = None

    @property
    def label(self) -> str:
        return self.display_name or self.name

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_authenticated(self) -> bool:
        return self.kind in ("user", "system", "platform")


def platform_actor(name: str = "govdata-cli", method: str = "cli") -> Actor:
    """The actor for operator commands and jobs: every right, still audited under this name."""
    return Actor(kind="platform", name=name, roles=frozenset({"platform_admin"}), method=method)


def anonymous(client_addr: str | None = None, method: str = "ui", request_id: str | None = None) -> Actor:
    return Actor(kind="anonymous", name="anonymous", method=method, client_addr=client_addr,
                 request_id=request_id)

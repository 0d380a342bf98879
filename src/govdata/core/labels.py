"""What the platform's codes are called in plain Chinese, in one table.

A person reads an audit entry or a finding as words: the action (``sharing.read_record`` → 读取共享数据（单条查询）)
and its category (数据共享), the kind of object it names (``grant`` → 共享授权) with a link to that object's
page, the field names and coded values of its content, the kind of a finding. The kernel knows no context:
each context declares the words for its own codes in ``<context>/labels.py`` and registers them here when
imported (``govdata.wiring.load`` imports them all); the audit log, the home page, the findings, the 403 page
and the audit filter read this one table. ``tests/web/test_action_labels.py`` fails when an action code
written anywhere, a policy rule (a refused attempt is recorded under its name), an object type or a kind of
finding has no words here. How an entry is then shown is ``web/entries.py``.

An object kind may say how to find its objects (``load``: ids → :class:`Found`) and which policy rule guards
their page (``rule``): :func:`object_refs` then names and links only what that rule lets the reader see, so
no link leads to a 403 and no name leaks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from govdata.core.actor import Actor
from govdata.core.errors import MESSAGES
from govdata.core.policy import Rule, allowed

__all__ = ["ACTIONS", "CATEGORIES", "FIELDS", "FINDINGS", "OBJECTS", "VALUES", "FindingKind", "Found", "ObjectKind",
           "ObjectRef", "action_label", "actions_named", "category_label", "field_label", "finding_label",
           "has_action_label", "int_keys", "item_names", "local_time", "object_refs", "register", "value_label"]

LOCAL = ZoneInfo("Asia/Shanghai")
MAX_ID = 2**31 - 1  # the largest integer key on both databases


@dataclass(frozen=True)
class Found:
    """One object as a link needs it: what its page's rule is asked about, its name, its page."""

    obj: Any
    title: str
    href: str | None = None


#: ids as the audit log keeps them (text) -> the objects found, by id
Loader = Callable[[Session, list[str]], dict[str, Found]]
#: resource codes -> {field code: item name} of their published catalog entries
ItemNames = Callable[[Session, list[str]], dict[str, dict[str, str]]]


@dataclass(frozen=True)
class ObjectKind:
    label: str
    load: Loader | None = None
    rule: Rule | None = None  # the rule of the object's page, asked with ``Found.obj``


@dataclass(frozen=True)
class FindingKind:
    label: str
    #: a short sentence about the finding (a dict with its ``kind``, ``actor_name`` and ``detail``)
    describe: Callable[[dict[str, Any]], str] | None = None
    #: the objects the finding's detail names, as (object type, id), linked when the reader may open them
    refers_to: Callable[[dict[str, Any]], list[tuple[str, Any]]] | None = None


@dataclass(frozen=True)
class ObjectRef:
    """An object named by an entry, as shown: its kind, and its name and page when the reader may see them."""

    type: str
    id: str
    label: str
    title: str | None = None
    href: str | None = None

    def __str__(self) -> str:
        return f"{self.label} {self.title}" if self.title else f"{self.label} #{self.id}"


ACTIONS: dict[str, str] = {}  # action code (or the stem of a family of codes) -> verb phrase
CATEGORIES: dict[str, str] = {}  # first segment of an action code -> the area it belongs to
OBJECTS: dict[str, ObjectKind] = {}  # object_type of an entry -> how to name and link it
FINDINGS: dict[str, FindingKind] = {}  # kind of a finding -> its label and sentence
#: per scope (the context that registered them, e.g. "catalog"): a key in an entry's content -> its name
#: (None: kept in the full record only), and a coded value (reason, status, rule …) -> words. A value may
#: mean different things in two contexts (``withdrawn``: an entry 已撤销, a request 已撤回): an entry's
#: words are looked up in the scope of its action first.
FIELDS: dict[str, dict[str, str | None]] = {}
VALUES: dict[str, dict[str, str]] = {}
_ITEM_NAMES: list[ItemNames] = []  # who knows the names of an entry's information items (the catalog)


def _merge(table: dict[str, Any], items: dict[str, Any] | None, what: str) -> None:
    for key, value in (items or {}).items():
        if key in table and table[key] != value:
            raise ValueError(f"{what} {key!r} is already called {table[key]!r}, not {value!r}")
        table[key] = value


def register(*, scope: str, actions: dict[str, str] | None = None, categories: dict[str, str] | None = None,
             objects: dict[str, ObjectKind] | None = None, findings: dict[str, FindingKind] | None = None,
             fields: dict[str, str | None] | None = None, values: dict[str, str] | None = None,
             item_names: ItemNames | None = None) -> None:
    """Add a context's words (``scope``: the context's name). A code may be registered twice only with the
    same words; field names and values only within their scope."""
    _merge(ACTIONS, actions, "action")
    _merge(CATEGORIES, categories, "category")
    _merge(OBJECTS, objects, "object type")
    _merge(FINDINGS, findings, "finding kind")
    _merge(FIELDS.setdefault(scope, {}), fields, f"field of {scope}")
    _merge(VALUES.setdefault(scope, {}), values, f"value of {scope}")
    if item_names is not None and item_names not in _ITEM_NAMES:
        _ITEM_NAMES.append(item_names)


def item_names(session: Session, codes: Iterable[str]) -> dict[str, dict[str, str]]:
    """The names of the information items of the published entries ``codes`` (field code -> name), so an
    entry's content names 身份证号 rather than ``id_number``. The published catalog is for every department."""
    wanted = sorted({c for c in codes if c})
    names: dict[str, dict[str, str]] = {}
    for source in _ITEM_NAMES if wanted else ():
        names.update(source(session, wanted))
    return names


def has_action_label(code: str) -> bool:
    return code in ACTIONS


def action_label(code: str) -> str:
    """The action in words: its own label, else that of the family it belongs to (``x.y.z`` → ``x.y``), else
    the code as it is (which the label test does not let happen for codes written by the platform)."""
    parts = code.split(".")
    for end in range(len(parts), 1, -1):
        label = ACTIONS.get(".".join(parts[:end]))
        if label is not None:
            return label
    return code


def category_label(code: str) -> str:
    """The area an action code belongs to (its first segment)."""
    head = code.split(".", 1)[0]
    return CATEGORIES.get(head, head)


def actions_named(words: str) -> list[str]:
    """Action codes whose label (or category) contains ``words``, e.g. 共享 or 登录."""
    words = words.strip()
    if not words:
        return []
    heads = {head for head, label in CATEGORIES.items() if words in label}
    return sorted(code for code, label in ACTIONS.items() if words in label or code.split(".", 1)[0] in heads)


#: the scope whose words apply to entries of every context after their own: what the web edge writes into
#: the entry of any refused request (``code``, ``path`` …)
EDGE_SCOPE = "web"


def _scoped(tables: dict[str, dict[str, Any]], key: str, scope: str | None) -> tuple[bool, Any]:
    for name in (scope, EDGE_SCOPE):
        if name is not None and key in tables.get(name, {}):
            return True, tables[name][key]
    for table in tables.values():
        if key in table:
            return True, table[key]
    return False, None


def field_label(key: str, scope: str | None = None) -> str | None:
    """A content key's name (in ``scope`` first); None for keys kept only in the full record. Unknown keys
    stay as they are."""
    known, label = _scoped(FIELDS, key, scope)
    return label if known else key


def value_label(value: str, scope: str | None = None, field: str | None = None) -> str:
    """A coded value in words: as a value of ``field`` (registered as ``"field=value"``), else as any value,
    each in ``scope`` first; else an error code's title (``core.errors``); else the value as it is."""
    if field is not None:
        known, label = _scoped(VALUES, f"{field}={value}", scope)
        if known:
            return str(label)
    known, label = _scoped(VALUES, value, scope)
    if known:
        return str(label)
    if value in MESSAGES:
        return MESSAGES[value][1]
    return value


def finding_label(kind: str) -> str:
    found = FINDINGS.get(kind)
    return found.label if found else kind


def local_time(value: Any, seconds: bool = False) -> str:
    """A time (a datetime, or ISO text as the audit log keeps it) as a clerk reads it: Beijing time, no
    offset; a date stays a date; anything else is returned as text."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(LOCAL)
        return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def int_keys(keys: Iterable[str]) -> list[int]:
    """The ids among ``keys`` that can be integer keys (a loader's ``WHERE id IN``)."""
    return [int(k) for k in keys if k.isdigit() and 0 < int(k) <= MAX_ID]


def object_refs(session: Session, actor: Actor,
                pairs: Iterable[tuple[str | None, Any]]) -> dict[tuple[str, str], ObjectRef]:
    """The objects named by ``pairs`` (object type, id), each with its name and page when the rule of that page
    lets ``actor`` see it; one query per object type. Unknown types and missing objects keep only their kind."""
    wanted: dict[str, set[str]] = {}
    for kind, key in pairs:
        if kind is not None and key is not None and str(key) != "":
            wanted.setdefault(kind, set()).add(str(key))
    refs: dict[tuple[str, str], ObjectRef] = {}
    for kind, keys in wanted.items():
        spec = OBJECTS.get(kind)
        label = spec.label if spec else kind
        found = spec.load(session, sorted(keys)) if spec and spec.load else {}
        for key in keys:
            hit = found.get(key)
            if hit is not None and spec is not None and spec.rule is not None and allowed(actor, spec.rule, hit.obj):
                refs[(kind, key)] = ObjectRef(kind, key, label, hit.title, hit.href)
            else:
                refs[(kind, key)] = ObjectRef(kind, key, label)
    return refs

"""Reads of a dataset for other contexts (the sharing data service): no actor, no policy, no audit — the
calling service authorizes the caller and records the use.

``json_value`` (re-exported) turns a stored value into its JSON form (money as "12.50", dates ISO).

Everything here is keyed by a :class:`DatasetView`: the registry row's table name and column types, with
the Core ``Table`` built once per (table, columns, dialect) and kept for the process, so a hot lookup does
no reflection and builds no schema objects. Every read runs on the data-plane connection of the caller's
session (``data_connection``), inside the caller's transaction. Conditions are bound SQLAlchemy clauses
made by the caller (``sharing.filters.where``); this module never builds SQL text.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, MetaData, Select, Table, and_, case, exists, false, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from govdata.aggregation.models import Dataset
from govdata.aggregation.service.common import data_engine_of, json_value
from govdata.aggregation.tables import current_rows, data_connection, dataset_table

__all__ = ["EXPORT_CHUNK", "DatasetView", "dataset_view", "iter_current", "json_value", "read_current", "read_current_page",
           "read_versions"]

#: Rows fetched per round trip when iterating over a whole dataset (bounded memory for exports).
EXPORT_CHUNK = 2000
_CACHE_LIMIT = 512

_tables: dict[tuple[Any, ...], Table] = {}
_tables_lock = threading.Lock()


@dataclass(frozen=True)
class DatasetView:
    """A dataset as readers see it: its Core table and the data type of each column (retired ones too)."""

    dataset_id: int
    resource_id: int
    table: Table
    types: dict[str, str]


def _cached_table(dataset: Dataset, dialect_name: str) -> Table:
    signature = tuple((c["field_code"], c["data_type"], c.get("length")) for c in dataset.columns)
    cache_key = (dataset.table_name, dialect_name, signature)
    table = _tables.get(cache_key)
    if table is None:
        with _tables_lock:
            if len(_tables) >= _CACHE_LIMIT:
                _tables.clear()  # columns versions come and go rarely; a full reset is simplest
            table = _tables.setdefault(cache_key, dataset_table(dataset, MetaData(), dialect_name))
    return table


def dataset_view(session: Session, dataset: Dataset) -> DatasetView:
    """The view of a registry row (loaded by the caller, e.g. joined to its own lookup)."""
    dialect = data_engine_of(session).dialect.name
    return DatasetView(dataset.id, dataset.resource_id, _cached_table(dataset, dialect),
                       {c["field_code"]: c["data_type"] for c in dataset.columns})


def _columns(view: DatasetView, items: Sequence[str]) -> list[Any]:
    t = view.table
    return [t.c.row_id, t.c.record_key, t.c.record_version, t.c.ingested_at, *(t.c[i] for i in items)]


def _all_of(clauses: Sequence[ColumnElement[bool]]) -> ColumnElement[bool] | None:
    return and_(*clauses) if clauses else None


def read_current(session: Session, view: DatasetView, key: str, items: Sequence[str],
                 scope: Sequence[ColumnElement[bool]] = ()) -> RowMapping | None:
    """The current record of ``key`` with ``items``, or None when the key is unknown, deleted, or its current
    version falls outside ``scope``. One probe of the (record_key, record_version) index."""
    t = view.table
    columns = _columns(view, items) + [t.c.tombstone]
    in_scope = _all_of(scope)
    if in_scope is not None:
        columns.append(case((in_scope, 1), else_=0).label("in_scope"))
    query = (select(*columns).where(t.c.record_key == key).order_by(t.c.record_version.desc()).limit(1))
    with data_connection(session, data_engine_of(session)) as connection:
        row = connection.execute(query).mappings().first()
    if row is None or row["tombstone"] or (in_scope is not None and not row["in_scope"]):
        return None
    return row


def _current(view: DatasetView, items: Sequence[str], where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    return current_rows(view.table).with_only_columns(*_columns(view, items)).where(*where)


def read_current_page(session: Session, view: DatasetView, items: Sequence[str],
                      where: Sequence[ColumnElement[bool]], after: str | int | None,
                      limit: int, order: str = "key") -> list[RowMapping]:
    """Current records meeting every condition of ``where``, at most ``limit``, in key order after the key
    ``after`` (keyset pagination), or with ``order="row"`` in the order their current versions were written,
    after the row id ``after``. Row order tells nothing of the values: the sharing service pages that way
    when the key itself is masked, so that the order of the records cannot reveal the hidden keys."""
    t = view.table
    query = _current(view, items, where)
    if order == "row":
        query = query.order_by(None).order_by(t.c.row_id)
        if after is not None:
            query = query.where(t.c.row_id > int(after))
    elif after is not None:
        query = query.where(t.c.record_key > str(after))
    with data_connection(session, data_engine_of(session)) as connection:
        return list(connection.execute(query.limit(limit)).mappings())


def iter_current(session: Session, view: DatasetView, items: Sequence[str],
                 where: Sequence[ColumnElement[bool]], chunk: int = EXPORT_CHUNK,
                 order: str = "key") -> Iterator[RowMapping]:
    """Every current record meeting ``where``, in key order (or row order, see :func:`read_current_page`),
    fetched ``chunk`` rows at a time (no server-side cursor needed; memory stays bounded however large the
    dataset)."""
    after: str | int | None = None
    position = "row_id" if order == "row" else "record_key"
    while True:
        rows = read_current_page(session, view, items, where, after, chunk, order)
        yield from rows
        if len(rows) < chunk:
            return
        after = rows[-1][position]


def read_versions(session: Session, view: DatasetView, items: Sequence[str], since: int, limit: int,
                  scope: Sequence[ColumnElement[bool]] = (),
                  scope_of: Callable[[Any], Sequence[ColumnElement[bool]]] | None = None) -> list[RowMapping]:
    """Versions written after row ``since`` (the change feed: updates and tombstones), in write order.

    With a ``scope`` a version is returned when it meets the scope, or when the version before it of the
    same key did (a deletion or a move out of the scope, which the reader must learn of); the column
    ``in_scope`` (1/0) tells which, and ``tombstone`` whether it is a deletion. ``scope_of(table)`` builds the
    same scope clauses for the previous version's alias."""
    t = view.table
    columns = _columns(view, items) + [t.c.tombstone]
    query = select(*columns).where(t.c.row_id > since)
    in_scope = _all_of(scope)
    if in_scope is not None and scope_of is not None:
        prev = t.alias("prev")
        was_in = exists(select(prev.c.row_id).where(prev.c.record_key == t.c.record_key,
                                                    prev.c.record_version == t.c.record_version - 1,
                                                    *scope_of(prev)))
        visible = and_(in_scope, t.c.tombstone == false())
        query = query.add_columns(case((visible, 1), else_=0).label("in_scope"))
        query = query.where(in_scope | was_in)
    else:
        query = query.add_columns(case((t.c.tombstone == false(), 1), else_=0).label("in_scope"))
    with data_connection(session, data_engine_of(session)) as connection:
        return list(connection.execute(query.order_by(t.c.row_id).limit(limit)).mappings())

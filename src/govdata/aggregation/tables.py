"""Dataset tables: the data plane's typed, append-only tables, one per structured catalog resource (AGG).

SQLAlchemy Core, built at run time from the registry row (``models.Dataset``) — never by Alembic; every
name starts with ``ds_`` so that autogenerate leaves them alone (``core.migrate.include_object``).

A table holds item columns (named by ``field_code``, all nullable: required-ness is validation's job, and
old rows predate new required items) plus system columns. Nothing is overwritten or deleted in place:
an update inserts the key with the next ``record_version``; a deletion inserts a version with
``tombstone`` true. The current record of a key is its highest version unless that one is a tombstone.

Types are chosen to be exact and alike on SQLite and PostgreSQL: 数值型 N is kept as canonical decimal text
(SQLite's NUMERIC affinity would turn "12.50" into 12.5), 货币型 Y as integer minor units (分), 日期时间型 T
as a UTC timestamp. Empty strings are stored as NULL on both databases (``normalise_empty``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Select,
    String,
    Table,
    Text,
    false,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateColumn
from sqlalchemy.types import TypeEngine

from govdata.aggregation.models import Dataset
from govdata.catalog.standard import STRUCTURED_FORMATS
from govdata.core.db import UTCDateTime, make_engine

PREFIX = "ds_"
SYSTEM_COLUMNS = ("row_id", "record_key", "record_version", "batch_id", "content_hash", "ingested_at",
                  "tombstone")


class ColumnTypeChanged(ValueError):
    """A new catalog version gives an existing item another data type: the column cannot follow (columns
    are never altered), so the version must not be evolved into the table."""

    def __init__(self, field_code: str, old: str, new: str) -> None:
        super().__init__(f"item {field_code!r} changes data type {old} -> {new}; dataset columns are never altered")
        self.field_code, self.old, self.new = field_code, old, new


def table_name_for(resource_code: str) -> str:
    """``ds_`` + the resource code, lower-case, ``-`` → ``_`` (e.g. ``ds_101000000_000012``)."""
    return PREFIX + resource_code.replace("-", "_").lower()


def column_type(data_type: str, length: int | None = None, dialect_name: str = "") -> TypeEngine[Any]:
    """The column type of a catalog data type (GB/T 21063.4 codes, ``catalog.standard.DATA_TYPES``)."""
    match data_type:
        case "C":
            return String(length or 255)
        case "M":
            return Text()
        case "N":
            return String(64)  # canonical decimal text: exact on both databases
        case "Y" | "I":
            return BigInteger()  # Y: integer minor units (分)
        case "D":
            return Date()
        case "T":
            return UTCDateTime()
        case "L":
            return Boolean()
        case "B" | "F":
            return Float(53)
        case "G":
            return LargeBinary()
    raise ValueError(f"unknown data type {data_type!r}")


def normalise_empty(value: Any) -> Any:
    """``""`` and whitespace-only strings become NULL, the same on both databases (PostgreSQL COPY reads an
    empty CSV field as NULL where SQLite would keep "")."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _item_column(entry: dict[str, Any], dialect_name: str) -> Column[Any]:
    return Column(entry["field_code"], column_type(entry["data_type"], entry.get("length"), dialect_name),
                  nullable=True)


def dataset_table(dataset: Dataset, metadata: MetaData, dialect_name: str = "") -> Table:
    """The Core table of ``dataset``: system columns, then every column the registry records (retired ones
    included — their history stays readable). Returns the table already in ``metadata`` if there is one.

    ``dialect_name`` ("sqlite", "postgresql") only matters for ``row_id``: BigInteger on PostgreSQL,
    Integer on SQLite where only ``INTEGER PRIMARY KEY`` is the autoincrementing rowid alias. When omitted
    the type is BigInteger with an Integer variant for SQLite, which compiles correctly for both."""
    if dataset.table_name in metadata.tables:
        return metadata.tables[dataset.table_name]
    for entry in dataset.columns:
        if entry["field_code"] in SYSTEM_COLUMNS:
            raise ValueError(f"item {entry['field_code']!r} takes the name of a system column")
    name = dataset.table_name
    if dialect_name == "sqlite":
        row_id_type: TypeEngine[Any] = Integer()
    elif dialect_name:
        row_id_type = BigInteger()
    else:
        row_id_type = BigInteger().with_variant(Integer(), "sqlite")
    return Table(
        name, metadata,
        Column("row_id", row_id_type, primary_key=True, autoincrement=True),
        Column("record_key", String(512), nullable=False),
        Column("record_version", Integer, nullable=False),
        Column("batch_id", String(40)),
        Column("content_hash", String(64)),
        Column("ingested_at", UTCDateTime()),
        Column("tombstone", Boolean, nullable=False, default=False, server_default=false()),
        *(_item_column(entry, dialect_name) for entry in dataset.columns),
        # Also the index of current lookups: max(record_version) for a key is one index probe.
        Index(f"uq_{name}_key_version", "record_key", "record_version", unique=True),
        Index(f"ix_{name}_batch", "batch_id"),
    )


@contextmanager
def data_connection(bind: Engine | Connection | Session, engine: Engine | None = None) -> Iterator[Connection]:
    """A connection to the data plane for DDL and loads.

    ``bind`` may be a data-plane Connection (used as is), an Engine (a transaction of its own), or the
    control-plane Session: when ``engine`` points at the same database as the session (the default, no
    ``GOVDATA_DATA_DATABASE_URL``), the session's own connection is used — a second connection would wait
    on SQLite's write lock that the session already holds; otherwise a transaction of ``engine``."""
    if isinstance(bind, Connection):
        yield bind
        return
    if isinstance(bind, Session):
        session_bind = bind.get_bind()
        if engine is None or session_bind.url == engine.url:
            yield bind.connection()
            return
        bind = engine
    with bind.begin() as connection:
        yield connection


def _table_exists(connection: Connection, name: str) -> bool:
    return inspect(connection).has_table(name)


def ensure_table(bind: Engine | Connection | Session, dataset: Dataset, engine: Engine | None = None) -> Table:
    """Create the dataset table (and its indexes) if it does not exist; returns it."""
    with data_connection(bind, engine) as connection:
        table = dataset_table(dataset, MetaData(), connection.dialect.name)
        if not _table_exists(connection, table.name):
            table.create(connection)
        return table


def _field(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, dict) else getattr(item, name)


def evolve(session_or_connection: Session | Connection, engine: Engine | None, dataset: Dataset,
           items: Iterable[Any], version_no: int) -> list[str]:
    """Bring the dataset to catalog version ``version_no`` whose information items are ``items``
    (``ResourceItem`` rows or dicts with field_code, data_type, length). Returns the field codes added.

    New items get a column (ALTER TABLE … ADD COLUMN); an item no longer in the catalog keeps its column
    and history and is only marked ``retired_in_version``; an item coming back is un-retired; a 字符型 item
    made longer widens its column (PostgreSQL: ALTER COLUMN … TYPE VARCHAR(n), which rewrites nothing).
    Columns are never dropped or narrowed: an item whose data type changed raises ``ColumnTypeChanged``
    before anything is written. The registry row (``dataset.columns``, ``last_version_no``) is updated in
    memory; the caller's session commits it. Creates the table if it does not exist yet."""
    items = list(items)
    known = {entry["field_code"]: dict(entry) for entry in dataset.columns}
    for item in items:
        code, data_type = _field(item, "field_code"), _field(item, "data_type")
        if code in SYSTEM_COLUMNS:
            raise ValueError(f"item {code!r} takes the name of a system column")
        if code in known and known[code]["data_type"] != data_type:
            raise ColumnTypeChanged(code, known[code]["data_type"], data_type)
    present = {_field(item, "field_code") for item in items}
    columns = [known[entry["field_code"]] for entry in dataset.columns]
    added: list[dict[str, Any]] = []
    widened: list[dict[str, Any]] = []
    for item in items:
        code = _field(item, "field_code")
        if code in known and known[code]["data_type"] == "C":
            new_length = _field(item, "length") or 255
            if new_length > (known[code].get("length") or 255):
                known[code]["length"] = new_length  # a longer 字符型 item: the column widens (never narrows)
                widened.append(known[code])
        if code not in known:
            entry = {"field_code": code, "data_type": _field(item, "data_type"), "length": _field(item, "length"),
                     "added_in_version": version_no, "retired_in_version": None}
            columns.append(entry)
            added.append(entry)
        elif known[code]["retired_in_version"] is not None:
            known[code]["retired_in_version"] = None
    for entry in columns:
        if entry["field_code"] not in present and entry["retired_in_version"] is None:
            entry["retired_in_version"] = version_no

    with data_connection(session_or_connection, engine) as connection:
        if not _table_exists(connection, dataset.table_name):
            dataset_table(_with_columns(dataset, columns), MetaData(), connection.dialect.name).create(connection)
        else:
            existing = {c["name"] for c in inspect(connection).get_columns(dataset.table_name)}
            preparer = connection.dialect.identifier_preparer
            for entry in widened:
                if connection.dialect.name != "sqlite":  # SQLite does not enforce VARCHAR lengths
                    column = _item_column(entry, connection.dialect.name)
                    type_sql = column.type.compile(dialect=connection.dialect)
                    connection.exec_driver_sql(f"ALTER TABLE {preparer.quote(dataset.table_name)} ALTER COLUMN "
                                               f"{preparer.quote(entry['field_code'])} TYPE {type_sql}")
            for entry in added:
                if entry["field_code"] in existing:  # added by an earlier attempt whose registry write was lost
                    continue
                column = _item_column(entry, connection.dialect.name)
                Table(dataset.table_name, MetaData(), column)  # CreateColumn needs the column attached
                spec = CreateColumn(column).compile(dialect=connection.dialect)
                connection.exec_driver_sql(f"ALTER TABLE {preparer.quote(dataset.table_name)} ADD COLUMN {spec}")
    dataset.columns = columns
    dataset.last_version_no = max(dataset.last_version_no or 0, version_no)
    return [entry["field_code"] for entry in added]


def _with_columns(dataset: Dataset, columns: list[dict[str, Any]]) -> Dataset:
    return Dataset(table_name=dataset.table_name, columns=columns)


def active_columns(dataset: Dataset) -> list[str]:
    """Field codes of the items in the dataset's latest catalog version (not retired)."""
    return [e["field_code"] for e in dataset.columns if e["retired_in_version"] is None]


def _latest_version(table: Table) -> Any:
    later = table.alias("later")
    return (select(func.max(later.c.record_version)).where(later.c.record_key == table.c.record_key)
            .scalar_subquery())


def latest_versions(table: Table, keys: list[str]) -> Select[Any]:
    """Each of ``keys``' highest version (tombstoned or not): record_key, record_version, content_hash,
    tombstone. One probe of the (key, version) index per key; callers pass at most a few hundred keys."""
    return (select(table.c.record_key, table.c.record_version, table.c.content_hash, table.c.tombstone)
            .where(table.c.record_key.in_(keys), table.c.record_version == _latest_version(table)))


def current_rows(table: Table) -> Select[Any]:
    """Every key's current record (highest version, unless that version is a tombstone), by key."""
    return (select(table).where(table.c.record_version == _latest_version(table), table.c.tombstone == false())
            .order_by(table.c.record_key))


def current_query(table: Table, key: str) -> Select[Any]:
    """The current record of ``key`` (no row when the key is unknown or tombstoned); uses the unique
    (record_key, record_version) index."""
    return select(table).where(table.c.record_key == key, table.c.record_version == _latest_version(table),
                               table.c.tombstone == false())


def is_structured(version: Any) -> bool:
    return version.format in STRUCTURED_FORMATS


def register_dataset(session: Session, resource: Any, version: Any) -> Dataset:
    """The registry row of ``resource`` from its published ``version`` (structured formats only), created
    and flushed, or the existing one. Makes no table (``ensure_table``) and checks no policy and writes no
    audit entry: the calling service does."""
    existing = session.query(Dataset).filter_by(resource_id=resource.id).one_or_none()
    if existing is not None:
        return existing
    if not is_structured(version):
        raise ValueError(f"format {version.format!r} holds no structured data")
    columns = [{"field_code": item.field_code, "data_type": item.data_type, "length": item.length,
                "added_in_version": version.version_no, "retired_in_version": None} for item in version.items]
    for entry in columns:
        if entry["field_code"] in SYSTEM_COLUMNS:
            raise ValueError(f"item {entry['field_code']!r} takes the name of a system column")
    dataset = Dataset(resource_id=resource.id, table_name=table_name_for(resource.code), columns=columns,
                      created_version_no=version.version_no, last_version_no=version.version_no,
                      row_count_estimate=0)
    session.add(dataset)
    session.flush()
    return dataset


def data_engine(settings: Any, control: Engine | None = None) -> Engine:
    """The data-plane engine: ``control`` (the control-plane engine) when ``GOVDATA_DATA_DATABASE_URL`` is
    unset and one is given, else a new engine on ``settings.resolved_data_database_url`` which the caller
    disposes."""
    if not settings.data_database_url and control is not None:
        return control
    return make_engine(settings.resolved_data_database_url)

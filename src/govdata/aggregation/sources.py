"""Departments' source databases for scheduled pulls (AGG-5): which URLs are accepted, the read-only SELECT
check, read-only connections with short timeouts, matching the configured columns to the source's, and
keyset paging on (watermark, key). Values: ``source_values``. No control-plane tables here.

The query check is deliberately conservative: one statement beginning with SELECT, no comments, no ``;``
before the end, no ``$`` quoting, no backslash inside quotes, and none of the words that write, lock,
change settings or reach the file system (outside string literals and quoted names). The connection is
read-only as well where the database allows: ``SET TRANSACTION READ ONLY`` (PostgreSQL, Oracle),
``SET SESSION TRANSACTION READ ONLY`` + ``START TRANSACTION READ ONLY`` (MySQL/MariaDB), a ``mode=ro``
URI plus ``PRAGMA query_only`` (SQLite, which also never creates a missing file).

Which parameters a URL may carry, where a connection may go, and the plain reasons a failure is told as
(never the driver's text): ``source_urls``.
"""

from __future__ import annotations

import importlib.util
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, column, create_engine, literal_column, or_, select, table, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import FromClause, Select

from govdata.aggregation import source_urls
from govdata.aggregation.source_urls import Reach
from govdata.core.errors import DomainError, Invalid, invalid

#: backend → accepted drivers (first installed one is the default) and the module each needs.
SUPPORTED: dict[str, tuple[str, ...]] = {
    "postgresql": ("psycopg", "psycopg2"),
    "mysql": ("pymysql", "mysqldb"),
    "mariadb": ("pymysql", "mysqldb"),
    "sqlite": ("pysqlite",),
    "oracle": ("oracledb",),
    "mssql": ("pyodbc", "pymssql"),
}
_DBAPI = {"psycopg": "psycopg", "psycopg2": "psycopg2", "pymysql": "pymysql", "mysqldb": "MySQLdb",
          "pysqlite": "sqlite3", "oracledb": "oracledb", "pyodbc": "pyodbc", "pymssql": "pymssql"}
BACKEND_LABELS = {"postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB", "sqlite": "SQLite",
                  "oracle": "Oracle", "mssql": "SQL Server"}
CONNECT_TIMEOUT = 5  # seconds
STATEMENT_TIMEOUT_MS = 600_000
MAX_QUERY = 20_000
MASK = "***"
_SECRET_PARAM = re.compile(r"pass|pwd|secret|token|key", re.I)


def _url_error(message: str, message_en: str) -> Invalid:
    return invalid("url", message, code="pull_source_url_invalid", message_en=message_en)


def parse_url(raw: str) -> URL:
    """The URL with an explicit, installed driver; ``pull_source_url_invalid`` otherwise."""
    try:
        url = make_url(raw.strip())
    except (ArgumentError, ValueError):
        raise _url_error("不是有效的数据库连接地址（SQLAlchemy URL，如 postgresql+psycopg://用户@主机/库）",
                         "not a valid SQLAlchemy database URL") from None
    backend, _, driver = url.drivername.partition("+")
    if backend not in SUPPORTED:
        names = "、".join(BACKEND_LABELS[b] for b in SUPPORTED)
        raise _url_error(f"不支持的数据库类型“{backend}”，支持：{names}", f"unsupported database {backend!r}")
    if driver and driver not in SUPPORTED[backend]:
        raise _url_error(f"不支持的驱动“{driver}”，{BACKEND_LABELS[backend]}可用：{'、'.join(SUPPORTED[backend])}",
                         f"unsupported driver {driver!r} for {backend}")
    candidates = (driver,) if driver else SUPPORTED[backend]
    installed = [d for d in candidates if importlib.util.find_spec(_DBAPI[d]) is not None]
    if not installed:
        raise _url_error(f"平台未安装{BACKEND_LABELS[backend]}的数据库驱动（{'、'.join(candidates)}）",
                         f"no driver installed for {backend} ({', '.join(candidates)})")
    url = source_urls.check_parameters(url.set(drivername=f"{backend}+{installed[0]}"), backend)
    if backend == "sqlite":
        path = url.database or ""
        if not path or path == ":memory:" or not Path(path).is_absolute():
            raise _url_error("SQLite数据源须为数据库文件的绝对路径（sqlite:////绝对路径/文件.db）",
                             "a SQLite source must be an absolute file path")
    else:
        source_urls.canonical_host(url.host)
    return url


def stored_url(raw: str) -> URL:
    """A stored URL as it was saved, without today's checks (to keep its password when it is changed)."""
    return make_url(raw)


def backend_of(url: URL) -> str:
    return url.drivername.partition("+")[0]


def masked(url: URL) -> str:
    """The URL for display: the password and any secret-looking query value replaced by ``***``."""
    query = {k: (MASK if _SECRET_PARAM.search(k) else v) for k, v in url.query.items()}
    shown = url.set(query=query).render_as_string(hide_password=True)
    return shown.replace("%2A%2A%2A", MASK)


def secrets_of(url: URL) -> list[str]:
    found = [str(url.password)] if url.password else []
    for key, value in url.query.items():
        if _SECRET_PARAM.search(key):
            found.extend([value] if isinstance(value, str) else list(value))
    return [s for s in found if s]


def with_kept_password(new: URL, old: URL) -> URL:
    """A URL edited from its masked form keeps the stored password where ``***`` stands."""
    if new.password == MASK:
        new = new.set(password=old.password)
    query = dict(new.query)
    for key, value in query.items():
        if value == MASK and key in old.query:
            query[key] = old.query[key]
    return new.set(query=query)


# --- the read-only SELECT -------------------------------------------------------------------------------

_FORBIDDEN_WORDS = frozenset("""
insert update delete merge upsert replace drop alter create truncate rename comment grant revoke copy call exec
execute do into lock unlock set reset attach detach pragma vacuum analyze reindex load handler outfile dumpfile
begin commit rollback savepoint release prepare deallocate listen notify unlisten declare fetch move cluster
refresh checkpoint discard share nowait skip import export shutdown kill flush purge install uninstall
""".split())
_FORBIDDEN_FUNCTIONS = frozenset("""
sleep benchmark get_lock release_lock load_file load_extension readfile writefile edit fts3_tokenizer nextval
setval currval set_config sys_exec sys_eval xp_cmdshell openrowset opendatasource openquery dbms_lock utl_file
utl_http
""".split())
_FORBIDDEN_PREFIXES = ("pg_", "lo_", "dblink", "dbms_", "utl_", "xp_", "sp_")
_WORD = re.compile(r"[^\W\d][\w$]*|\d+")
_CALL = re.compile(r"\s*\(")


def _refused(reason: str, reason_en: str) -> Invalid:
    return invalid("query", f"只允许单条只读SELECT语句：{reason}", code="pull_query_refused",
                   message_en=f"only one read-only SELECT is allowed: {reason_en}")


def _code_parts(query: str) -> Iterator[str]:
    """The query outside string literals and quoted names; refuses what the scan cannot read safely."""
    i, n, start = 0, len(query), 0
    while i < n:
        ch = query[i]
        if ch in "'\"`":
            close = ch
            yield query[start:i]
            j = i + 1
            while True:
                if j >= n:
                    raise _refused("引号未闭合", "unterminated quote")
                if query[j] == "\\":
                    raise _refused("引号中不能使用反斜杠", "no backslash inside quotes")
                if query[j] == close:
                    if j + 1 < n and query[j + 1] == close:
                        j += 2
                        continue
                    break
                j += 1
            i = start = j + 1
            continue
        if ch == ";":
            raise _refused("不能包含多条语句（分号）", "no semicolon")
        if query.startswith(("--", "/*"), i) or ch == "#":
            raise _refused("不能包含注释", "no comments")
        if ch == "$":
            raise _refused("不能使用$符号", "no $ quoting")
        i += 1
    yield query[start:]


def check_query(query: str) -> str:
    """The query, stripped of surrounding blanks and one final ``;``, when it is one read-only SELECT."""
    q = query.strip()
    if q.endswith(";"):
        q = q[:-1].rstrip()
    if not q:
        raise _refused("查询语句为空", "empty query")
    if len(q) > MAX_QUERY:
        raise _refused(f"超过{MAX_QUERY}个字符", f"longer than {MAX_QUERY} characters")
    code = " ".join(_code_parts(q))
    words = [m.group(0) for m in _WORD.finditer(code)]
    if not words or words[0].lower() != "select":
        raise _refused("须以SELECT开头", "must begin with SELECT")
    for m in _WORD.finditer(code):
        word = m.group(0).lower()
        if word in _FORBIDDEN_WORDS:
            raise _refused(f"不允许“{m.group(0)}”（作列名时请加双引号）", f"{m.group(0)!r} is not allowed")
        is_call = _CALL.match(code, m.end()) is not None
        if is_call and (word in _FORBIDDEN_FUNCTIONS or word.startswith(_FORBIDDEN_PREFIXES)):
            raise _refused(f"不允许调用函数“{m.group(0)}”", f"function {m.group(0)!r} is not allowed")
    return q


def check_name(value: str, what: str, dotted: bool = False) -> str:
    """A table or column name: word characters and ``$`` (``schema.table`` when ``dotted``)."""
    name = value.strip()
    pattern = r"[\w$]{1,100}(\.[\w$]{1,100})?" if dotted else r"[\w$]{1,100}"
    if not re.fullmatch(pattern, name):
        raise invalid(what, "只能由字母、数字、下划线组成" + ("（可写作 模式.表名）" if dotted else ""),
                      message_en="letters, digits and underscores only")
    return name


# --- connections ------------------------------------------------------------------------------------------

class SourceError(Exception):
    """The source database failed (unreachable, credentials refused, no such table…), may not be reached
    (``source_urls``), or does not fit the configuration (a configured column is missing); the message is
    one of the platform's own, never the driver's text."""


def _engine(url: URL, reach: Reach) -> Engine:
    try:
        target, args = source_urls.connection(url, reach)
    except DomainError as exc:  # refused by the allow-lists (changed since the source was registered?)
        message = exc.errors[0].message if exc.errors else exc.message("zh")
        raise SourceError(source_urls.NOT_ALLOWED if exc.code == "source_host_refused" else message) from None
    if isinstance(target, Path):
        uri = target.as_uri() + "?mode=ro"  # the checked real path; never creates a missing file

        def creator() -> sqlite3.Connection:
            return sqlite3.connect(uri, uri=True, timeout=CONNECT_TIMEOUT, check_same_thread=False)

        return create_engine("sqlite://", creator=creator, poolclass=NullPool)
    backend = backend_of(target)
    args.setdefault("connect_timeout", CONNECT_TIMEOUT)
    if backend in ("mysql", "mariadb"):
        args["read_timeout"] = STATEMENT_TIMEOUT_MS // 1000
    return create_engine(target, poolclass=NullPool, connect_args=args)


@contextmanager
def reading(url: URL, reach: Reach, secrets: Sequence[str] = ()) -> Iterator[Connection]:
    """A connection to the source in a read-only transaction, rolled back and closed afterwards. Failing to
    connect (or being refused by ``reach``) raises :class:`SourceError`; so does :func:`fetch`; other errors
    of the caller pass through."""
    engine = _engine(url, reach)
    try:
        try:
            connection = engine.connect()
        except (SQLAlchemyError, OSError) as exc:
            raise SourceError(source_urls.reason(exc, secrets)) from exc
        try:
            _read_only(connection)
        except (SQLAlchemyError, OSError) as exc:
            connection.close()
            raise SourceError(source_urls.reason(exc, secrets)) from exc
        try:
            yield connection
        finally:
            try:
                connection.rollback()
                connection.close()
            except (SQLAlchemyError, OSError):
                pass  # the connection is gone already; nothing was written through it
    finally:
        engine.dispose()


def _read_only(connection: Connection) -> None:
    backend = connection.dialect.name
    if backend == "postgresql":
        connection.exec_driver_sql("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
    elif backend in ("mysql", "mariadb"):
        # the session setting too: DDL would otherwise commit implicitly and run outside the transaction
        connection.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")
        connection.exec_driver_sql("START TRANSACTION READ ONLY")
    elif backend == "oracle":
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
    elif backend == "sqlite":
        connection.exec_driver_sql("PRAGMA query_only = ON")


def fetch(connection: Connection, stmt: Any, secrets: Sequence[str] = ()) -> list[Any]:
    try:
        return list(connection.execute(stmt).all())
    except (SQLAlchemyError, OSError) as exc:
        raise SourceError(source_urls.reason(exc, secrets, reading=True)) from exc


def relation(table_name: str | None, query: str | None, names: Sequence[str] = ()) -> FromClause:
    """The table, or the query as a subquery ``govdata_src``, exposing ``names`` as columns."""
    cols = [column(n) for n in names]
    if table_name:
        schema, _, name = table_name.rpartition(".")
        return table(name, *cols, schema=schema or None)
    assert query is not None
    # Colons escaped: the query has no bind parameters, and "10:30" or "::int" must stay as written.
    return text(query.replace(":", "\\:")).columns(*cols).subquery("govdata_src")


def source_columns(connection: Connection, table_name: str | None, query: str | None,
                   secrets: Sequence[str] = ()) -> list[str]:
    """The column names the table or query yields (reads no row)."""
    stmt = select(literal_column("*")).select_from(relation(table_name, query)).limit(0)
    try:
        return list(connection.execute(stmt).keys())
    except (SQLAlchemyError, OSError) as exc:
        raise SourceError(source_urls.reason(exc, secrets, reading=True)) from exc


@dataclass
class Plan:
    """What to read: the source columns to select, which feeds which item (column, field code, data type),
    and the paging order (watermark first, then the key columns), all as the source spells them."""

    names: list[str]
    fields: list[tuple[str, str, str]]
    order: list[str]


def plan_for(available: Sequence[str], column_map: dict[str, str], watermark: str, keys: Sequence[str],
             items: Sequence[tuple[str, str]]) -> Plan:
    """Match the configuration to the source's columns. ``items``: (field code, data type) of the published
    version. Explicit ``column_map`` entries first, then equal names; other source columns are not read."""
    types = dict(items)
    fields: list[tuple[str, str, str]] = []
    taken: set[str] = set()
    for wanted, code in column_map.items():
        actual = resolve(available, wanted)
        if actual is None:
            raise SourceError(f"数据源中没有映射的列“{wanted}”")
        if code not in types:
            raise SourceError(f"列“{wanted}”映射到的“{code}”不是已发布版本的信息项")
        fields.append((actual, code, types[code]))
        taken.add(actual)
    mapped_codes = {code for _, code, _ in fields}
    for code, data_type in items:
        actual = resolve(available, code)
        if code not in mapped_codes and actual is not None and actual not in taken:
            fields.append((actual, code, data_type))
            taken.add(actual)
    if not fields:
        raise SourceError("数据源的列与信息项没有对应（请填写列映射）")
    order = []
    for wanted, what in [(watermark, "水位列"), *[(k, "主键列") for k in keys]]:
        actual = resolve(available, wanted)
        if actual is None:
            raise SourceError(f"数据源中没有{what}“{wanted}”")
        order.append(actual)
    names = list(dict.fromkeys([c for c, _, _ in fields] + order))
    return Plan(names, fields, order)


def resolve(available: Sequence[str], wanted: str) -> str | None:
    """``wanted`` as the source spells it (exact, else case-insensitive), or None."""
    if wanted in available:
        return wanted
    folded = [a for a in available if a.lower() == wanted.lower()]
    return folded[0] if len(folded) == 1 else None


def page_query(source: FromClause, names: Sequence[str], order: Sequence[str], after: Sequence[Any] | None,
               limit: int) -> Select[Any]:
    """``names`` of the rows strictly after ``after`` in ``order`` (keyset), at most ``limit``; rows whose
    order columns hold NULL are never read."""
    cols = source.c
    stmt = select(*[cols[n] for n in names]).select_from(source)
    if after is None:
        stmt = stmt.where(*[cols[o].is_not(None) for o in order])
    else:
        # (o1, o2, …) > (v1, v2, …) spelled out, since not every database compares row values
        stmt = stmt.where(or_(*[and_(*[cols[order[j]] == after[j] for j in range(i)], cols[order[i]] > after[i])
                               for i in range(len(order))]))
    return stmt.order_by(*[cols[o] for o in order]).limit(limit)

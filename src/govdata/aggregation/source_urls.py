"""Where database pulls (AGG-5) and NATS subscriptions (AGG-2) may connect, and how a failed connection is
told.

A source URL is read into an allow-list of parameters per driver (``PARAMETERS``: user, password, host,
port, database, TLS mode, timeouts, a character set); anything else — libpq's ``host``, ``hostaddr``,
``passfile``, ``service``, ``options`` or certificate and key files, MySQL's ``unix_socket``,
``local_infile`` or option files … — is refused with ``source_param_refused`` naming the parameter. The host
must be a DNS name or an IP address in its canonical form (never a socket path, ``2130706433``, ``0x7f.1``,
``127.1`` or a zone id), and every address it resolves to must lie in ``GOVDATA_SOURCE_ALLOWED_NETWORKS``
(or the name be listed there), never the unspecified, a multicast or a link-local address
(``source_host_refused``). The platform's own databases are never a source. SQLite files must lie in
``GOVDATA_SOURCE_SQLITE_DIR`` once links are followed (``source_path_refused``).

The check runs when a source is registered or changed, and again for every connection, which then goes to
the address that was checked: psycopg gets ``hostaddr`` (set by the platform, never by the user) beside the
name for TLS; the other drivers and NATS get the address itself (NATS TLS still checks the name through
``tls_hostname``). A name that points elsewhere afterwards (DNS rebinding) therefore reaches nothing new.
Limit: ``wss://`` servers are connected by name (the certificate names the host), after the same check.
libpq would also read the platform account's password file and client certificate: the platform points
both at a path that cannot exist.

A failure is told as one of the fixed reasons below, never in the driver's words; those go to the
platform's log only, with credentials scrubbed.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import sqlite3
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from govdata.config import IPNetwork, allowed_networks, host_name
from govdata.core.errors import Invalid, invalid

log = logging.getLogger("govdata.aggregation.sources")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# --- the fixed reasons ------------------------------------------------------------------------------------
REFUSED = "连接被拒绝：该主机的这个端口上没有服务在监听"
TIMEOUT = "连接超时：主机没有响应（可能未开机或被防火墙阻断）"
UNREACHABLE = "网络不可达：平台无法连到该主机"
UNRESOLVED = "无法解析主机名"
AUTH = "认证失败：用户名或密码错误，或该用户不允许从平台连接"
NO_DATABASE = "数据库不存在"
NOT_A_DATABASE = "对方不是可识别的数据库服务，或连接被中途断开"
TLS = "加密连接（TLS）失败"
NOT_ALLOWED = "数据源地址不在平台允许连接的范围内，请联系平台管理员"
FILE = "数据库文件不存在或无法打开"
NO_TABLE = "数据源中没有所配置的表或视图"
NO_COLUMN = "查询引用了数据源中不存在的列"
DENIED = "该用户无权读取所配置的表或视图"
QUERY_TIMEOUT = "查询超时：数据源未在限定时间内返回结果"
QUERY = "查询执行失败，请检查表名和查询语句（详细原因已记入平台日志）"
OTHER = "无法连接或读取数据源（详细原因已记入平台日志）"
NOT_A_STREAM_SERVER = "对方不是可识别的消息服务，或连接被中途断开"
NO_STREAM = "消息流不存在"
STREAM_REFUSED = "消息服务拒绝了请求（详细原因已记入平台日志）"

# --- parameters per driver ----------------------------------------------------------------------------------


def _one_of(*values: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in values:
            raise ValueError("、".join(values))
        return value
    return check


def _seconds(value: str) -> str:
    if not value.isdigit() or not 1 <= int(value) <= 60:
        raise ValueError("1至60之间的整数（秒）")
    return str(int(value))


def _identifier(value: str) -> str:
    if not re.fullmatch(r"[\w$.\-]{1,128}", value):
        raise ValueError("字母、数字、下划线、点或连字符")
    return value


_MYSQL = {"charset": _one_of("utf8mb4", "utf8mb3", "utf8", "gbk", "gb18030", "gb2312", "big5", "latin1"),
          "ssl_mode": _one_of("DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA"), "connect_timeout": _seconds}
#: backend → the query parameters a source URL may carry, with a check of each value
PARAMETERS: dict[str, dict[str, Callable[[str], str]]] = {
    "postgresql": {"sslmode": _one_of("disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
                   "connect_timeout": _seconds},
    "mysql": _MYSQL,
    "mariadb": _MYSQL,
    "sqlite": {},
    "oracle": {"service_name": _identifier},
    "mssql": {"driver": _one_of(*[f"ODBC Driver {n} for SQL Server" for n in (17, 18)]),
              "Encrypt": _one_of("yes", "no", "strict", "mandatory", "optional"),
              "TrustServerCertificate": _one_of("yes", "no")},
}
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "oracle": 1521, "mssql": 1433}
NO_FILE = "/dev/null/none"  # a path that cannot exist: libpq then reads no password file, sends no certificate
_DATABASE = re.compile(r"[\w$.\-]{1,128}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _param_refused(field: str, name: str, message: str, message_en: str) -> Invalid:
    exc = invalid(field, message, code="source_param_refused", message_en=message_en)
    exc.extra["parameter"] = name
    return exc


def _url_invalid(field: str, message: str, message_en: str) -> Invalid:
    return invalid(field, message, code="pull_source_url_invalid", message_en=message_en)


def _host_refused(field: str, message: str, message_en: str) -> Invalid:
    return invalid(field, message, code="source_host_refused", message_en=message_en)


def check_parameters(url: URL, backend: str, field: str = "url") -> URL:
    """The URL when its parts and query parameters are within the backend's allow-list (values normalised)."""
    allowed = PARAMETERS[backend]
    query: dict[str, str] = {}
    for name, value in url.query.items():
        if name not in allowed:
            names = "、".join(allowed) or "无"
            raise _param_refused(field, name, f"不允许的连接参数“{name}”（可用的参数：{names}）",
                                 f"parameter {name!r} is not allowed")
        if not isinstance(value, str):
            raise _param_refused(field, name, f"连接参数“{name}”只能给一次", f"parameter {name!r} given twice")
        try:
            query[name] = allowed[name](value)
        except ValueError as exc:
            raise _param_refused(field, name, f"连接参数“{name}”的值无效（可用：{exc}）",
                                 f"invalid value of parameter {name!r}") from None
    if backend == "sqlite":
        for part in ("username", "password", "host", "port"):
            if getattr(url, part):
                raise _param_refused(field, part, "SQLite数据源只写文件路径（sqlite:////绝对路径/文件.db）",
                                     "a SQLite source is a file path only")
        return url.set(query=query)
    if not url.username:
        raise _url_invalid(field, "连接地址须写明用户名（用户@主机）", "the URL names no user")
    if "@" in url.username or (url.host and "@" in url.host):
        raise _url_invalid(field, "用户名或主机中不能含有@（密码中的@请写作%40）", "'@' in the user or host")
    if _CONTROL.search(url.username) or _CONTROL.search(str(url.password or "")) or len(url.username) > 128:
        raise _url_invalid(field, "用户名或密码中含有控制字符，或用户名过长", "control characters in the user or password")
    if url.port is not None and not 1 <= url.port <= 65535:
        raise _url_invalid(field, "端口应为1至65535", "port out of range")
    if url.database and not _DATABASE.fullmatch(url.database):
        raise _param_refused(field, "database", "数据库名（“database”）只能由字母、数字、下划线、点或连字符组成",
                             "database names are letters, digits, _ . - only")
    return url.set(query=query)


def canonical_host(value: str | None, field: str = "url") -> IPAddress | str:
    """The host as an IP address in canonical form, or as a DNS name; refused otherwise."""
    host = (value or "").strip()
    if not host:
        raise _url_invalid(field, "连接地址缺少主机名", "the URL names no host")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        name = host_name(host)
        if name is None:
            raise _host_refused(field, f"主机“{host}”不是主机名或标准写法的IP地址（不接受套接字路径、十进制、八进制、"
                                       "十六进制或简写的地址）", f"host {host!r} is no host name or canonical IP") from None
        return name
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        raise _host_refused(field, "IPv6地址不能带接口标识（%）", "no IPv6 zone ids")
    return _plain(address)


def _plain(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


# --- where sources may connect -------------------------------------------------------------------------------

@dataclass(frozen=True)
class OwnDatabase:
    """One of the platform's own networked databases: its addresses (any loopback one when it is local)."""

    family: str
    addresses: frozenset[IPAddress]
    local: bool
    port: int
    database: str | None


@dataclass(frozen=True)
class Reach:
    """What the administrator allows (``GOVDATA_SOURCE_ALLOWED_NETWORKS``, ``GOVDATA_SOURCE_SQLITE_DIR``) and
    what is never a source (the platform's own databases)."""

    networks: tuple[IPNetwork, ...]
    names: frozenset[str]
    sqlite_dir: Path
    own: tuple[OwnDatabase, ...] = ()
    own_files: tuple[Path, ...] = ()


def _family(backend: str) -> str:
    return "mysql" if backend == "mariadb" else backend


def reach_of(settings: Any) -> Reach:
    networks, names = allowed_networks(settings.source_allowed_networks)
    own: list[OwnDatabase] = []
    files: list[Path] = []
    for raw in dict.fromkeys([settings.resolved_database_url, settings.resolved_data_database_url]):
        try:
            url = make_url(raw)
        except ArgumentError:
            continue
        backend = url.drivername.partition("+")[0]
        if backend == "sqlite":
            if url.database and url.database != ":memory:":
                files.append(Path(url.database).resolve())
            continue
        host = url.host or ""
        addresses: set[IPAddress] = set()
        if host and not host.startswith("/"):
            try:
                addresses = set(_resolve(host, url.port))
            except OSError:
                addresses = set()
        local = not host or host.startswith("/") or host == "localhost" or any(a.is_loopback for a in addresses)
        own.append(OwnDatabase(_family(backend), frozenset(addresses), local,
                               url.port or DEFAULT_PORTS.get(backend, 0), url.database or url.username))
    return Reach(networks, names, settings.resolved_source_sqlite_dir, tuple(own), tuple(files))


def _resolve(host: str, port: int | None) -> list[IPAddress]:
    found = socket.getaddrinfo(host, port or 0, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(_plain(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])) for info in found))


def _allowed(address: IPAddress, reach: Reach) -> bool:
    return any(address.version == n.version and address in n for n in reach.networks)


def addresses_for(host: IPAddress | str, port: int | None, reach: Reach, field: str = "url") -> list[IPAddress]:
    """Every address ``host`` stands for, all of them allowed; refused otherwise (``source_host_refused``)."""
    if isinstance(host, str):
        try:
            addresses = _resolve(host, port)
        except (OSError, UnicodeError, ValueError):
            raise _host_refused(field, f"无法解析主机名“{host}”", f"cannot resolve {host!r}") from None
        listed = host in reach.names
    else:
        addresses, listed = [host], False
    if not addresses:
        raise _host_refused(field, f"无法解析主机名“{host}”", f"cannot resolve {host!r}")
    for address in addresses:
        never = address.is_unspecified or address.is_multicast or address.is_link_local
        if never or not (listed or _allowed(address, reach)):
            raise _host_refused(field, f"主机“{host}”不在平台允许连接的范围内（由平台管理员在"
                                       "GOVDATA_SOURCE_ALLOWED_NETWORKS中设定）", f"host {host!r} is not allowed")
    return addresses


def _own(backend: str, addresses: Sequence[IPAddress], port: int, database: str | None,
         reach: Reach) -> bool:
    for own in reach.own:
        same_server = own.family == _family(backend) and own.port == port and any(
            a in own.addresses or (own.local and a.is_loopback) for a in addresses)
        # a PostgreSQL connection reaches one database only; a MySQL one every database of the server
        if same_server and (own.family != "postgresql" or database == own.database):
            return True
    return False


def check_url(url: URL, reach: Reach, field: str = "url") -> IPAddress | Path:
    """Where the (parameter-checked) URL may connect: the address to use, or the SQLite file's real path."""
    backend = url.drivername.partition("+")[0]
    if backend == "sqlite":
        return sqlite_path(url, reach, field)
    port = url.port or DEFAULT_PORTS.get(backend, 0)
    addresses = addresses_for(canonical_host(url.host, field), port, reach, field)
    if _own(backend, addresses, port, url.database or url.username, reach):
        raise _host_refused(field, "平台自身的数据库不能作为数据源", "the platform's own database is no source")
    return addresses[0]


def sqlite_path(url: URL, reach: Reach, field: str = "url") -> Path:
    path = Path(url.database or "")
    if not path.is_absolute():
        raise _url_invalid(field, "SQLite数据源须为数据库文件的绝对路径（sqlite:////绝对路径/文件.db）",
                           "a SQLite source must be an absolute file path")
    real = path.resolve()
    if not real.is_relative_to(reach.sqlite_dir) or real == reach.sqlite_dir:
        raise invalid(field, f"SQLite文件须位于平台管理员允许的目录中（{reach.sqlite_dir}，链接按其指向计）",
                      code="source_path_refused", message_en="the SQLite file is outside the allowed folder")
    if any(real == own or (real.exists() and own.exists() and real.samefile(own)) for own in reach.own_files):
        raise invalid(field, "平台自身的数据库不能作为数据源", code="source_path_refused",
                      message_en="the platform's own database is no source")
    return real


def connection(url: URL, reach: Reach) -> tuple[URL | Path, dict[str, Any]]:
    """What the driver is given: the URL with the checked address (or the SQLite file's real path) and the
    connection arguments the platform sets. Raises :class:`Invalid` when the source may not be reached."""
    backend = url.drivername.partition("+")[0]
    target = check_url(url, reach)
    if isinstance(target, Path):
        return target, {}
    query = dict(url.query)
    args: dict[str, Any] = {}
    if "connect_timeout" in query:
        args["connect_timeout"] = int(query.pop("connect_timeout"))
    if backend == "postgresql":
        args.update(hostaddr=str(target), passfile=NO_FILE, sslcert=NO_FILE, sslkey=NO_FILE)
        return url.set(query=query), args
    if backend in ("mysql", "mariadb"):
        mode = query.pop("ssl_mode", "PREFERRED")
        if mode == "DISABLED":
            args["ssl_disabled"] = True
        elif mode in ("REQUIRED", "VERIFY_CA"):
            context = ssl.create_default_context()
            context.check_hostname = False  # connected by address; VERIFY_CA checks the chain
            if mode == "REQUIRED":
                context.verify_mode = ssl.CERT_NONE
            args["ssl"] = context
    return url.set(host=str(target), query=query), args


# --- NATS servers ---------------------------------------------------------------------------------------------

NATS_SCHEMES = ("nats", "tls", "ws", "wss")


def check_server(raw: str, field: str = "server") -> str:
    """A NATS server URL: scheme, user info, a canonical host and a port; no path, query or fragment."""
    server = raw.strip()
    parts = urlsplit(server)
    if parts.scheme not in NATS_SCHEMES or not parts.netloc:
        raise _url_invalid(field, "应为 nats://主机:端口（或 tls://、ws://、wss://）", "must be nats://host:port")
    if parts.netloc.count("@") > 1:
        raise _url_invalid(field, "用户名或密码中的@请写作%40", "'@' in the user info")
    try:
        port = parts.port
    except ValueError:
        raise _url_invalid(field, "端口应为1至65535", "port out of range") from None
    if port is not None and not 1 <= port <= 65535:
        raise _url_invalid(field, "端口应为1至65535", "port out of range")
    if parts.path not in ("", "/"):
        raise _param_refused(field, "path", "消息服务地址不能带路径", "no path")
    if parts.query or parts.fragment:
        name = next(iter(parse_qsl(parts.query, keep_blank_values=True)), ("fragment", ""))[0] or "query"
        raise _param_refused(field, name, f"不允许的连接参数“{name}”（消息服务地址只写 主机:端口）",
                             f"parameter {name!r} is not allowed")
    canonical_host(parts.hostname, field)
    return server


def server_connection(server: str, reach: Reach) -> tuple[str, str | None]:
    """The server URL with the checked address in place of the name, and the name for TLS (None for an
    address). Raises :class:`Invalid` when the server may not be reached."""
    check_server(server)
    parts = urlsplit(server)
    host = canonical_host(parts.hostname, "server")
    address = addresses_for(host, parts.port, reach, "server")[0]
    if parts.scheme == "wss" or not isinstance(host, str):
        return server, None
    userinfo = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    shown = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{userinfo}{shown}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl(), host


# --- failures, told plainly -----------------------------------------------------------------------------------

_NOT_A_DATABASE = ("invalid response to ssl negotiation", "server closed the connection unexpectedly",
                   "lost connection", "expected authentication request", "packet sequence", "bad handshake",
                   "unexpected response", "received invalid", "connection reset", "broken pipe",
                   "malformed packet", "unsupported frontend protocol", "invalid packet")
_MYSQL_ERRORS = {1045: AUTH, 1044: AUTH, 1049: NO_DATABASE, 1146: NO_TABLE, 1054: NO_COLUMN, 1142: DENIED,
                 1143: DENIED, 3024: QUERY_TIMEOUT, 1969: QUERY_TIMEOUT, 2013: NOT_A_DATABASE, 2006: NOT_A_DATABASE,
                 2027: NOT_A_DATABASE, 2026: TLS}


def _by_text(text: str) -> str | None:
    """The reason a connection failure's text (read here, never shown) points at. libpq gives no SQLSTATE for
    failures before the session starts, so its messages are recognised by their fixed wording."""
    text = text.lower()
    if re.search(r'database ".*" does not exist', text):
        return NO_DATABASE
    if re.search(r'role ".*" does not exist|authentication failed|no pg_hba\.conf entry|access denied', text):
        return AUTH
    if "refused" in text:
        return REFUSED
    if "timeout" in text or "timed out" in text:
        return TIMEOUT
    if "unreachable" in text or "no route to host" in text:
        return UNREACHABLE
    if "could not translate host name" in text or "name or service not known" in text:
        return UNRESOLVED
    if any(marker in text for marker in _NOT_A_DATABASE):
        return NOT_A_DATABASE
    if "ssl" in text or "tls" in text or "certificate" in text:
        return TLS
    return None


def reason(exc: BaseException, secrets: Sequence[str] = (), reading: bool = False) -> str:
    """One of the fixed reasons for a source database's failure; the driver's text goes to the log only."""
    orig: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    _log(orig, secrets)
    errno = orig.args[0] if orig.args and isinstance(orig.args[0], int) else None
    if errno in _MYSQL_ERRORS:
        return _MYSQL_ERRORS[errno]
    sqlstate = getattr(orig, "sqlstate", None) or ""
    if sqlstate:
        known = {"3D000": NO_DATABASE, "42P01": NO_TABLE, "42703": NO_COLUMN, "42501": DENIED,
                 "57014": QUERY_TIMEOUT}
        if sqlstate in known:
            return known[sqlstate]
        if sqlstate.startswith("28"):
            return AUTH
        if sqlstate[:2] in ("42", "22", "0A", "25"):
            return QUERY
    if isinstance(orig, sqlite3.Error):
        text = str(orig).lower()
        if "no such table" in text:
            return NO_TABLE
        if "no such column" in text:
            return NO_COLUMN
        if "unable to open" in text or "not a database" in text:
            return FILE
        return QUERY
    found = _by_text(" ".join(str(a) for a in orig.args) or str(orig))
    if found is not None:
        return found
    if errno is not None and 1000 <= errno < 2000:
        return QUERY
    return QUERY if reading else OTHER


def stream_reason(exc: BaseException, seen: Sequence[BaseException] = (), secrets: Sequence[str] = ()) -> str:
    """One of the fixed reasons for a NATS failure (``seen``: the errors of the connection attempts)."""
    import nats.errors
    import nats.js.errors

    for error in (*seen, exc):
        _log(error, secrets, "stream")
    if isinstance(exc, nats.js.errors.NotFoundError):
        return NO_STREAM
    if isinstance(exc, nats.js.errors.APIError):
        return STREAM_REFUSED
    for error in (exc, *reversed(seen)):
        if isinstance(error, nats.errors.AuthorizationError):
            return AUTH
        if isinstance(error, ConnectionRefusedError):
            return REFUSED
        if isinstance(error, TimeoutError):  # asyncio's and nats-py's are subclasses
            return TIMEOUT
        if isinstance(error, ssl.SSLError):
            return TLS
        if isinstance(error, OSError) and error.errno is not None:
            return _by_text(str(error)) or NOT_A_STREAM_SERVER
    return NOT_A_STREAM_SERVER


def _log(error: BaseException, secrets: Sequence[str], what: str = "database") -> None:
    text = f"{type(error).__name__}: {error}"
    for secret in secrets:
        text = text.replace(secret, "***")
    log.warning("source %s failed: %s", what, text[:2000])

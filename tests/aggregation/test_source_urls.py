"""Pull sources and stream subscriptions reach only what they should (issue 11, finding 2): a department
manager's URL is read into an allow-list of parameters per driver, its host must be a host name or a
canonical IP address whose every resolved address lies in ``GOVDATA_SOURCE_ALLOWED_NETWORKS`` (checked when
the source is registered and again at each connection, which then goes to the checked address), never the
platform's own database; SQLite files only inside ``GOVDATA_SOURCE_SQLITE_DIR``; and a failed connection is
told as one of a fixed set of plain reasons, never the driver's text — in the API and on the pages."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, select, text

from govdata.aggregation import sources
from govdata.aggregation.models import PullRun, PullSource, StreamRun, StreamSubscription
from govdata.config import Settings
from tests.aggregation.test_pulls import (ITEMS, MARIADB_URL, _reachable, configure, make_source_db, pg_database,
                                          run, source_body)
from tests.catalog.helpers import publish
from tests.conftest import PG_URL, bearer, csrf_from, login

#: what the pages and the API may say when a connection fails; nothing else
REFUSED = "连接被拒绝：该主机的这个端口上没有服务在监听"
TIMEOUT = "连接超时：主机没有响应（可能未开机或被防火墙阻断）"
AUTH = "认证失败：用户名或密码错误，或该用户不允许从平台连接"
NO_DATABASE = "数据库不存在"
NOT_A_DATABASE = "对方不是可识别的数据库服务，或连接被中途断开"
NOT_ALLOWED = "数据源地址不在平台允许连接的范围内，请联系平台管理员"
REASONS = {REFUSED, TIMEOUT, AUTH, NO_DATABASE, NOT_A_DATABASE, NOT_ALLOWED, "网络不可达：平台无法连到该主机",
           "加密连接（TLS）失败", "无法解析主机名"}
DRIVER_WORDS = ("OperationalError", "Error:", "Connection refused", "connection to server", "port 1", "Errno",
                "Access denied", "does not exist", "Unknown database", "timeout expired", "SecretBanner", "SSL",
                "sqlite3", "nats: ", "no servers")


@pytest.fixture
def entry(data_client):
    return data_client, publish(data_client, items=ITEMS)


class FakeDNS:
    """``socket.getaddrinfo`` answering the names under ``.example.test`` from ``answers`` (a list of
    addresses, or of lists: one per successive lookup, the last repeating); every other name as usual."""

    def __init__(self, monkeypatch):
        self.answers: dict[str, list] = {}
        self.lookups: dict[str, int] = {}
        self.real = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self)

    def __call__(self, host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if not (isinstance(name, str) and name.endswith(".example.test")):
            return self.real(host, port, *args, **kwargs)
        if name not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        n = self.lookups.get(name, 0)
        self.lookups[name] = n + 1
        answer = self.answers[name]
        addresses = answer[min(n, len(answer) - 1)] if isinstance(answer[0], list) else answer
        port_no = int(port or 0)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port_no, 0, 0) if ":" in a else (a, port_no)) for a in addresses]


def register(client, code, url, username="ps_manager", **overrides):
    return client.post(f"/api/v1/datasets/{code}/sources", json=source_body(url, **overrides),
                       headers=bearer(client, username))


def assert_refused(reply, code, mentions=()):
    assert reply.status_code == 422, reply.text
    body = reply.json()
    assert body["code"] == code, reply.text
    for word in mentions:
        assert word in body["detail"], reply.text
    return body


def no_source(client):
    with client.db.session() as session:
        return session.scalar(select(PullSource)) is None


# --- parameters: an allow-list per driver --------------------------------------------------------------

@pytest.mark.parametrize(("url", "parameter"), [
    ("postgresql://u@127.0.0.1/x?host=/some/socket", "host"),  # the finding as reported
    ("postgresql+psycopg://u@127.0.0.1/x?host=127.0.0.1&host=10.0.0.1", "host"),
    ("postgresql+psycopg://u@127.0.0.1/x?hostaddr=10.1.2.3", "hostaddr"),
    ("postgresql+psycopg://u@127.0.0.1/x?passfile=/etc/passwd", "passfile"),
    ("postgresql+psycopg://u@127.0.0.1/x?sslkey=/etc/ssl/private/server.key", "sslkey"),
    ("postgresql+psycopg://u@127.0.0.1/x?sslrootcert=/etc/shadow", "sslrootcert"),
    ("postgresql+psycopg://u@127.0.0.1/x?service=platform", "service"),
    ("postgresql+psycopg://u@127.0.0.1/x?options=-cdefault_transaction_read_only%3Doff", "options"),
    ("postgresql+psycopg://u@127.0.0.1/x?sslmode=bogus", "sslmode"),
    ("postgresql+psycopg://u@127.0.0.1/x?connect_timeout=99999", "connect_timeout"),
    ("postgresql+psycopg://u@127.0.0.1/hostaddr%3D10.1.2.3%20dbname%3Dx", "database"),  # libpq expands a dbname with =
    ("mysql+pymysql://root@127.0.0.1/test?unix_socket=/run/mysqld/mysqld.sock", "unix_socket"),
    ("mysql+pymysql://root@127.0.0.1/test?local_infile=1", "local_infile"),
    ("mysql+pymysql://root@127.0.0.1/test?read_default_file=/etc/mysql/debian.cnf", "read_default_file"),
    ("mysql+pymysql://root@127.0.0.1/test?ssl_ca=/etc/passwd", "ssl_ca"),
    ("mysql+pymysql://root@127.0.0.1/test?init_command=SET+GLOBAL+x%3D1", "init_command"),
])
def test_parameters_outside_the_drivers_allow_list_are_refused_by_name(entry, url, parameter):
    client, code = entry
    body = assert_refused(register(client, code, url), "source_param_refused", [f"“{parameter}”"])
    assert body["parameter"] == parameter and body["errors"][0]["field"] == "url"
    assert no_source(client)


def test_the_allowed_parameters_are_kept(entry):
    client, code = entry
    ok = register(client, code, "postgresql+psycopg://u:Pw-1@127.0.0.1:1/x?sslmode=require&connect_timeout=3")
    assert ok.status_code == 201, ok.text
    ok = register(client, code, "mysql+pymysql://u@127.0.0.1:1/x?charset=gbk&ssl_mode=REQUIRED", name="my")
    assert ok.status_code == 201, ok.text
    assert ok.json()["url"] == "mysql+pymysql://u@127.0.0.1:1/x?charset=gbk&ssl_mode=REQUIRED"


# --- hosts: a host name or a canonical address, inside the allowed networks ---------------------------

@pytest.mark.parametrize(("url", "code"), [
    ("postgresql+psycopg://u@%2Fvar%2Frun%2Fpostgresql/x", "source_host_refused"),  # a socket path in the netloc
    ("postgresql+psycopg://u@2130706433/x", "source_host_refused"),  # 127.0.0.1 written as one decimal number
    ("postgresql+psycopg://u@0177.0.0.1/x", "source_host_refused"),  # octal
    ("postgresql+psycopg://u@0x7f.0.0.1/x", "source_host_refused"),  # hexadecimal
    ("postgresql+psycopg://u@127.1/x", "source_host_refused"),  # the short form
    ("postgresql+psycopg://u@10.1.2.3/x", "source_host_refused"),  # outside the allowed networks
    ("postgresql+psycopg://u@[fe80::1]/x", "source_host_refused"),
    ("postgresql+psycopg://u@[fe80::1%25lo]/x", "source_host_refused"),
    ("postgresql+psycopg://u@[::ffff:10.1.2.3]/x", "source_host_refused"),
    ("postgresql+psycopg://u@0.0.0.0/x", "source_host_refused"),  # "this host", whatever listens on any address
    ("postgresql+psycopg://u@[::]/x", "source_host_refused"),
    ("postgresql+psycopg://u@127.0.0.1:0/x", "pull_source_url_invalid"),
    ("postgresql+psycopg://@127.0.0.1/x", "pull_source_url_invalid"),  # no user: the platform's OS account
    ("postgresql+psycopg://u@evil.example@127.0.0.1/x", "pull_source_url_invalid"),  # which one is the host?
    ("postgresql+psycopg://u:p@10.1.2.3@127.0.0.1/x", "pull_source_url_invalid"),
])
def test_hosts_that_are_no_plain_allowed_address_are_refused(entry, url, code):
    client, resource_code = entry
    assert_refused(register(client, resource_code, url), code)
    assert no_source(client)


def test_an_ipv6_loopback_literal_is_accepted_and_networks_are_the_administrators_choice(entry):
    client, code = entry
    assert register(client, code, "postgresql+psycopg://u@[::1]:1/x").status_code == 201
    configure(client, source_allowed_networks="10.1.0.0/16, db.dept.example.test")
    assert register(client, code, "postgresql+psycopg://u@10.1.2.3:1/x", name="b").status_code == 201
    assert_refused(register(client, code, "postgresql+psycopg://u@127.0.0.1:1/x", name="c"), "source_host_refused")
    assert_refused(register(client, code, "postgresql+psycopg://u@10.2.0.1:1/x", name="d"), "source_host_refused")


def test_a_setting_that_is_no_network_or_host_list_is_refused_at_start():
    with pytest.raises(ValueError, match="GOVDATA_SOURCE_ALLOWED_NETWORKS|source_allowed_networks"):
        Settings(source_allowed_networks="10.0.0.0/33")
    with pytest.raises(ValueError):
        Settings(source_allowed_networks="/some/socket")


def test_names_are_resolved_and_every_address_must_be_allowed(entry, monkeypatch):
    client, code = entry
    dns = FakeDNS(monkeypatch)
    dns.answers = {"evil.example.test": ["10.9.9.9"], "mixed.example.test": ["127.0.0.1", "10.9.9.9"],
                   "six.example.test": ["::ffff:10.9.9.9"], "good.example.test": ["127.0.0.1"]}
    for name in ("evil", "mixed", "six", "missing"):
        reply = register(client, code, f"postgresql+psycopg://u@{name}.example.test:1/x", name=name)
        assert_refused(reply, "source_host_refused", [f"{name}.example.test"])
        assert "10.9.9.9" not in reply.text  # where a name points is not told
    assert register(client, code, "postgresql+psycopg://u@good.example.test:1/x").status_code == 201


def test_a_name_that_points_elsewhere_after_registration_reaches_nothing(entry, monkeypatch):
    client, code = entry
    dns = FakeDNS(monkeypatch)
    dns.answers = {"rebind.example.test": [["127.0.0.1"], ["10.9.9.9"]]}
    reply = register(client, code, "postgresql+psycopg://u@rebind.example.test:1/x")
    assert reply.status_code == 201, reply.text
    failed = run(client, code, reply.json()["id"])
    assert failed["status"] == "failed" and failed["error"] == NOT_ALLOWED
    check = client.post(f"/api/v1/datasets/{code}/sources/{reply.json()['id']}/test", headers=bearer(client, "ps_manager"))
    assert_refused(check, "pull_source_failed", ["不在平台允许连接的范围内"])


@pytest.mark.skipif(not PG_URL, reason="GOVDATA_TEST_POSTGRES_URL not set")
def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(entry, monkeypatch, pg_source_db):
    """The driver is given the address the check resolved (psycopg ``hostaddr``, set by the platform): a
    name answering the loopback once and then elsewhere (DNS rebinding) is read from the loopback."""
    client, code = entry
    dns = FakeDNS(monkeypatch)
    dns.answers = {"pg.example.test": [["127.0.0.1"], ["10.9.9.9"]]}
    reply = register(client, code, f"postgresql+psycopg://postgres@pg.example.test:5432/{pg_source_db}",
                     table_name="licences")
    assert reply.status_code == 201, reply.text
    dns.lookups.clear()  # the connection's own check answers the loopback, any later lookup elsewhere
    pulled = run(client, code, reply.json()["id"], "ps_manager")
    assert (pulled["status"], pulled["inserted"]) == ("succeeded", 1), pulled
    assert dns.lookups == {"pg.example.test": 1}


@pytest.fixture
def pg_source_db() -> Iterator[str]:
    """A department's database on the PostgreSQL server, apart from the platform's own database."""
    name = f"govdata_source_urls_{os.getpid()}"
    with pg_database(name) as url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE licences (reg_no text PRIMARY KEY, holder text, updated_at text)"))
            conn.execute(text("INSERT INTO licences VALUES ('P1', '甲', '2026-01-01 08:00')"))
        engine.dispose()
        yield name


def test_the_allow_list_is_checked_again_at_each_connection(entry):
    client, code = entry
    reply = register(client, code, "postgresql+psycopg://u@127.0.0.1:1/x")
    assert reply.status_code == 201
    configure(client, source_allowed_networks="10.0.0.0/8")  # the administrator narrowed the list since
    failed = run(client, code, reply.json()["id"])
    assert failed["error"] == NOT_ALLOWED


@pytest.mark.skipif(not PG_URL, reason="GOVDATA_TEST_POSTGRES_URL not set")
def test_the_platforms_own_database_is_never_a_source(entry):
    client, code = entry
    configure(client, database_url=PG_URL)
    for url in (PG_URL, PG_URL.replace("127.0.0.1", "localhost"), PG_URL.replace("127.0.0.1", "[::1]"),
                PG_URL.replace("127.0.0.1", "127.0.0.2")):
        reply = register(client, code, url.replace("postgresql://", "postgresql+psycopg://", 1))
        assert_refused(reply, "source_host_refused", ["平台自身的数据库"])


@pytest.mark.skipif(not _reachable("127.0.0.1", 3306), reason="no MariaDB/MySQL on 127.0.0.1:3306")
def test_the_platforms_own_mysql_server_is_never_a_source(entry):
    client, code = entry
    configure(client, data_database_url="mysql+pymysql://govdata:pw@127.0.0.1:3306/govdata_data")
    assert_refused(register(client, code, "mysql+pymysql://root@localhost:3306/other"), "source_host_refused",
                   ["平台自身的数据库"])


# --- SQLite files: only inside the administrator's folder ---------------------------------------------

def test_sqlite_sources_only_inside_the_configured_folder(entry, tmp_path):
    client, code = entry
    folder = tmp_path / "sources"
    folder.mkdir()
    configure(client, source_sqlite_dir=str(folder))
    inside = make_source_db(folder / "business.db")
    outside = make_source_db(tmp_path / "outside.db")
    (folder / "link.db").symlink_to(outside)
    platform_db = client.db.url.removeprefix("sqlite:///") if client.db.backend == "sqlite" else None
    for url in ("sqlite:////etc/passwd", f"sqlite:///{outside}", f"sqlite:///{folder}/../outside.db",
                f"sqlite:///{folder / 'link.db'}", *([f"sqlite:///{platform_db}"] if platform_db else [])):
        assert_refused(register(client, code, url, "admin"), "source_path_refused")
    assert_refused(register(client, code, f"sqlite:///{inside}?mode=rwc", "admin"), "source_param_refused", ["mode"])
    reply = register(client, code, f"sqlite:///{inside}", "admin")
    assert reply.status_code == 201, reply.text
    assert run(client, code, reply.json()["id"])["status"] == "succeeded"
    # the file is swapped for a link to the outside afterwards: the connection refuses it
    inside.unlink()
    inside.symlink_to(outside)
    swapped = run(client, code, reply.json()["id"])
    assert swapped["status"] == "failed" and "允许的目录" in swapped["error"]


def test_the_platforms_own_sqlite_database_is_refused_even_inside_the_folder(entry, tmp_path):
    client, code = entry
    if client.db.backend != "sqlite":
        pytest.skip("the platform's database is a SQLite file on the SQLite run only")
    configure(client, source_sqlite_dir=str(tmp_path))  # the folder holds the platform's own database
    platform_db = client.db.url.removeprefix("sqlite:///")
    assert_refused(register(client, code, f"sqlite:///{platform_db}", "admin"), "source_path_refused",
                   ["平台自身的数据库"])


def test_the_default_sqlite_folder_is_sources_in_the_home(entry):
    client, code = entry
    folder = client.app.state.settings.home / "sources"
    folder.mkdir(parents=True)
    reply = register(client, code, f"sqlite:///{make_source_db(folder / 'b.db')}", "admin")
    assert reply.status_code == 201, reply.text


# --- failures are told in plain words, never in the driver's -------------------------------------------

@pytest.fixture
def banner_server() -> Iterator[int]:
    """Something on the loopback that is no database: it answers every connection with a banner."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nServer: SecretBanner internal-host-7\r\n\r\n")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    listener.close()


@pytest.fixture
def silent_server(monkeypatch) -> Iterator[int]:
    """A port that accepts connections and never answers (the connect timeout shortened to 2 s)."""
    monkeypatch.setattr(sources, "CONNECT_TIMEOUT", 2)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener.getsockname()[1]
    listener.close()


def _driver_free(*texts):
    for value in texts:
        for word in DRIVER_WORDS:
            assert word not in value, (word, value)


def _fails_with(client, code, url, reason, username="ps_manager"):
    reply = register(client, code, url, username, name=f"s{abs(hash(url)) % 10**6}")
    assert reply.status_code == 201, reply.text
    source_id = reply.json()["id"]
    check = client.post(f"/api/v1/datasets/{code}/sources/{source_id}/test", headers=bearer(client, username))
    assert_refused(check, "pull_source_failed")
    assert check.json()["detail"] == f"数据源连接或读取失败：{reason}", check.text
    ran = run(client, code, source_id, username)
    assert ran["status"] == "failed" and ran["error"] == reason, ran
    _driver_free(check.text, ran["error"])
    return source_id


def test_connection_failures_are_told_as_fixed_reasons(entry, banner_server, silent_server):
    client, code = entry
    _fails_with(client, code, "postgresql+psycopg://u:pw@127.0.0.1:1/x", REFUSED)
    _fails_with(client, code, "mysql+pymysql://u:pw@127.0.0.1:1/x", REFUSED)
    _fails_with(client, code, f"postgresql+psycopg://u@127.0.0.1:{banner_server}/x", NOT_A_DATABASE)
    _fails_with(client, code, f"mysql+pymysql://u@127.0.0.1:{banner_server}/x", NOT_A_DATABASE)
    _fails_with(client, code, f"postgresql+psycopg://u@127.0.0.1:{silent_server}/x", TIMEOUT)
    with client.db.session() as session:
        errors = session.scalars(select(PullRun.error)).all()
    assert errors and set(errors) <= REASONS


@pytest.mark.skipif(not PG_URL, reason="GOVDATA_TEST_POSTGRES_URL not set")
def test_postgresql_authentication_and_missing_database_are_named(entry, pg_source_db):
    client, code = entry
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1).rsplit("/", 1)[0]
    _fails_with(client, code, base.replace("postgres@", "no_such_role_x@") + f"/{pg_source_db}",
                AUTH)
    _fails_with(client, code, base + "/no_such_database_x", NO_DATABASE)


@pytest.mark.skipif(not _reachable("127.0.0.1", 3306), reason="no MariaDB/MySQL on 127.0.0.1:3306")
def test_mariadb_authentication_and_missing_database_are_named(entry):
    client, code = entry
    base = MARIADB_URL.rsplit("/", 1)[0]
    _fails_with(client, code, base.replace("root@", "root:wrong-Pw@") + "/test",
                AUTH)
    _fails_with(client, code, base + "/no_such_database_x", NO_DATABASE)


def test_the_pages_show_the_reason_and_not_the_drivers_text(entry, banner_server):
    client, code = entry
    token = login(client, "ps_manager")
    listing = client.get(f"/aggregation/datasets/{code}/sources")
    form = {"csrf_token": csrf_from(listing.text), "name": "证照库", "table_name": "licences",
            "url": f"postgresql+psycopg://u@127.0.0.1:{banner_server}/x", "watermark_column": "updated_at",
            "interval_minutes": "30", "mode": "all", "enabled": "on"}
    done = client.post(f"/aggregation/datasets/{code}/sources", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    detail_url = done.headers["location"].split("?")[0]
    tested = client.post(f"{detail_url}/test", data={"csrf_token": token})
    assert tested.status_code == 422 and "对方不是可识别的数据库服务" in tested.text
    ran = client.post(f"{detail_url}/run", data={"csrf_token": token}, follow_redirects=True)
    assert ran.status_code == 200 and "对方不是可识别的数据库服务" in ran.text
    _driver_free(tested.text, ran.text)
    refused = client.post(f"/aggregation/datasets/{code}/sources",
                          data={**form, "name": "另一个", "url": "postgresql://u@127.0.0.1/x?host=/some/socket"})
    assert refused.status_code == 422 and "“host”" in refused.text
    with client.db.session() as session:
        assert session.scalar(select(PullSource).where(PullSource.name == "另一个")) is None


# --- NATS subscriptions -----------------------------------------------------------------------------

def subscribe(client, code, server, name="流"):
    return client.post(f"/api/v1/datasets/{code}/streams", headers=bearer(client, "ps_manager"), json={
        "name": name, "server": server, "stream": "S", "subject": "s.x", "durable": f"d{abs(hash(name)) % 10**6}"})


@pytest.mark.parametrize(("server", "code"), [
    ("nats://10.1.2.3:4222", "source_host_refused"),
    ("nats://2130706433:4222", "source_host_refused"),
    ("nats://0x7f.1:4222", "source_host_refused"),
    ("nats://%2Ftmp%2Fnats.sock:4222", "source_host_refused"),
    ("nats://[fe80::1]:4222", "source_host_refused"),
    ("nats://0.0.0.0:4222", "source_host_refused"),
    ("nats://u@10.1.2.3@127.0.0.1:4222", "pull_source_url_invalid"),
    ("nats://127.0.0.1:4222/?tls_hostname=x", "source_param_refused"),
    ("nats://127.0.0.1:4222/some/path", "source_param_refused"),
    ("nats://127.0.0.1:0", "pull_source_url_invalid"),
])
def test_stream_servers_that_are_no_plain_allowed_address_are_refused(entry, server, code):
    client, resource_code = entry
    body = assert_refused(subscribe(client, resource_code, server), code)
    assert body["errors"][0]["field"] == "server"
    with client.db.session() as session:
        assert session.scalar(select(StreamSubscription)) is None


def test_stream_servers_by_name_are_resolved_and_checked_at_each_connection(entry, monkeypatch):
    client, code = entry
    dns = FakeDNS(monkeypatch)
    dns.answers = {"evil.example.test": ["10.9.9.9"], "rebind.example.test": [["127.0.0.1"], ["10.9.9.9"]]}
    assert_refused(subscribe(client, code, "nats://evil.example.test:4222"), "source_host_refused")
    reply = subscribe(client, code, "nats://user:Pw-1@rebind.example.test:1", name="rebind")
    assert reply.status_code == 201, reply.text
    consumed = client.post(f"/api/v1/datasets/{code}/streams/{reply.json()['id']}/consume",
                           headers=bearer(client, "ps_manager"))
    assert consumed.status_code == 200
    assert consumed.json()["error"] == f"消息服务不可用：{NOT_ALLOWED}"


def test_stream_failures_are_told_as_fixed_reasons(entry):
    client, code = entry
    reply = subscribe(client, code, "nats://user:Pw-1@127.0.0.1:1")
    assert reply.status_code == 201, reply.text
    consumed = client.post(f"/api/v1/datasets/{code}/streams/{reply.json()['id']}/consume",
                           headers=bearer(client, "ps_manager"))
    assert consumed.json()["error"] == f"消息服务不可用：{REFUSED}", consumed.text
    _driver_free(consumed.text)
    login(client, "ps_manager")
    page = client.get(f"/aggregation/datasets/{code}/sources")
    assert "连接被拒绝" in page.text
    _driver_free(page.text)
    with client.db.session() as session:
        assert session.scalar(select(StreamRun.status)) == "failed"

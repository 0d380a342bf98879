"""Settings, read from the environment (prefix ``GOVDATA_``).

Every setting is documented in README.md with its default; ``tests/test_docs.py`` keeps them in step.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from govdata.core.db import POOL_OVERFLOW, POOL_SIZE

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
HOST_NAME = re.compile(r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")
_NUMERIC_LABEL = re.compile(r"\d+|0x[0-9a-f]*")


def host_name(value: str) -> str | None:
    """``value`` as a lower-case DNS host name, or None when it is none (an address in a numeric form that
    the C library would also read as an IP, such as ``2130706433``, ``0x7f.1`` or ``127.1``, is none)."""
    name = value.strip().lower().removesuffix(".")
    if not HOST_NAME.fullmatch(name) or _NUMERIC_LABEL.fullmatch(name.rsplit(".", 1)[-1]):
        return None
    return name


def allowed_networks(value: str) -> tuple[tuple[IPNetwork, ...], frozenset[str]]:
    """``GOVDATA_SOURCE_ALLOWED_NETWORKS`` read: comma-separated networks (CIDR), addresses and host names."""
    networks: list[IPNetwork] = []
    names: set[str] = set()
    for entry in (e.strip() for e in value.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
            continue
        except ValueError:
            pass
        name = host_name(entry)
        if name is None:
            raise ValueError(f"GOVDATA_SOURCE_ALLOWED_NETWORKS: {entry!r} is no network, address or host name")
        names.add(name)
    return tuple(networks), frozenset(names)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVDATA_", extra="ignore")

    home: Path = Field(default=Path("var"), description="Folder for the SQLite database, secret key and files.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL of the control-plane database.")
    data_database_url: str | None = Field(default=None,
                                         description="SQLAlchemy URL of the dataset tables; the control plane's when unset.")
    secret_key: str | None = Field(default=None, description="Signing key for CSRF tokens and keyed hashes.")
    session_idle_minutes: int = Field(default=30, description="A signed-in session ends after this idle time.")
    session_max_hours: int = Field(default=12, description="A signed-in session ends after this time at most.")
    lockout_failures: int = Field(default=5, description="Failed sign-ins that lock an account.")
    lockout_window_minutes: int = Field(default=15, description="Window in which failures are counted.")
    max_body_bytes: int = Field(default=1_048_576, description="Largest request body accepted (bytes).")
    file_max_rows: int = Field(default=5_000_000, ge=1,
                               description="Data rows a file load may hold (CSV or XLSX); past it the load is refused.")
    file_max_columns: int = Field(default=1_000, ge=1, le=16_384,
                                  description="Columns a file load may have; checked on the header, before the rows.")
    file_max_line_bytes: int = Field(default=2 << 20, ge=64 << 10, le=1 << 30,
                                     description="Longest line (record) of a CSV file load, in bytes; also the block "
                                                 "the CSV reader reads at a time.")
    xlsx_max_unpacked_bytes: int = Field(default=1 << 30, ge=1 << 20,
                                         description="Largest size an XLSX file load may unpack to (all its parts).")
    xlsx_max_ratio: int = Field(default=100, ge=10, le=10_000,
                                description="Largest compression ratio of an XLSX file load (unpacked / packed, each "
                                            "part over 1 MiB and the whole): above it, a decompression bomb.")
    file_load_workers: int = Field(default=2, ge=1, le=32,
                                   description="File loads a server process runs at once in the background (one "
                                               "when a database is SQLite); the others wait for a free worker.")
    file_load_wait_seconds: float = Field(default=10, ge=0, le=120,
                                          description="How long POST /api/v1/loads/{id}/run waits for the load before "
                                                      "answering 202 with its progress.")
    secret_grace_hours: int = Field(default=24, description="After a rotation the old AppSecret works this long.")
    redis_url: str | None = Field(default=None, description="Redis for replay nonces and grants' rate and quota counters.")
    cookie_secure: bool = Field(default=False, description="Mark cookies Secure (set true behind HTTPS).")
    host: str = Field(default="127.0.0.1", description="Address `govdata serve` binds to.")
    port: int = Field(default=8000, description="Port `govdata serve` listens on.")
    run_jobs: bool = Field(default=False,
                           description="Run the periodic jobs (scheduled pulls, timeliness) in this process; "
                                       "`govdata serve` turns it on unless `--no-jobs`.")
    source_allowed_networks: str = Field(
        default="127.0.0.0/8,::1",
        description="Where database pulls and NATS subscriptions may connect: comma-separated networks (CIDR), "
                    "addresses and host names; every address a source's host resolves to must be inside. The "
                    "platform's own database is refused whatever the list says.")
    source_sqlite_dir: Path | None = Field(
        default=None, description="The folder SQLite source files must lie in; `$GOVDATA_HOME/sources` when unset.")
    db_pool_size: int = Field(default=POOL_SIZE, ge=1, le=500,
                              description="Database connections a process keeps open (the server runs up to 40 "
                                          "requests at once in threads).")
    db_max_overflow: int = Field(default=POOL_OVERFLOW, ge=0, le=500,
                                 description="Connections a process may open beyond the pool at peaks.")
    bench_baseline: bool = Field(default=False,
                                 description="Mount the unchecked key lookup /bench/baseline/{code}/{key} that "
                                             "bench/serve.py compares the data service API with. Never in production.")
    share_review_months: int = Field(default=12, ge=1, le=120,
                                     description="A 暂不共享 catalog entry comes up for review this long after publication.")
    share_review_days: int = Field(default=10, ge=1, le=60,
                                   description="Working days the provider has to review a conditional share request.")
    share_review_days_on_platform: int = Field(
        default=5, ge=1, le=60,
        description="The same when the requested data is already aggregated on the platform.")
    audit_checkpoint_path: Path | None = Field(
        default=None, description="Append-only file of signed audit checkpoints; $GOVDATA_HOME/audit_checkpoints.jsonl.")
    audit_checkpoint_key_file: Path | None = Field(
        default=None, description="Ed25519 private key that signs checkpoints (PEM, mode 0600); generated at the "
                                  "first checkpoint into $GOVDATA_HOME/audit_checkpoint_key.")
    audit_checkpoint_public_key_file: Path | None = Field(
        default=None, description="Public key that verifies checkpoints; the key file's path plus `.pub`.")
    audit_checkpoint_command: str | None = Field(
        default=None, description="Command given each checkpoint line on standard input, to keep a copy elsewhere.")
    audit_checkpoint_minutes: int = Field(default=10, ge=1, le=1440,
                                          description="Minutes between the periodic job's audit checkpoints.")
    share_verify_misses_per_day: int = Field(
        default=10, ge=1, le=10_000,
        description="Lookups by a masked key (核验) that may miss per consumer department and day (all its systems "
                    "and grants together; reserved before each lookup); past it, lookups are refused with 429 "
                    "until midnight and the run of misses is recorded as an enumeration finding.")

    @field_validator("source_allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        allowed_networks(value)
        return value

    @property
    def resolved_source_sqlite_dir(self) -> Path:
        return (self.source_sqlite_dir or self.home / "sources").resolve()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'govdata.db').resolve()}"

    @property
    def resolved_data_database_url(self) -> str:
        """Where dataset tables live: ``data_database_url``, else the control-plane database."""
        return self.data_database_url or self.resolved_database_url

    @property
    def resolved_audit_checkpoint_path(self) -> Path:
        return self.audit_checkpoint_path or self.home / "audit_checkpoints.jsonl"

    @property
    def resolved_audit_checkpoint_key_file(self) -> Path:
        return self.audit_checkpoint_key_file or self.home / "audit_checkpoint_key"

    @property
    def resolved_audit_checkpoint_public_key_file(self) -> Path:
        key = self.resolved_audit_checkpoint_key_file
        return self.audit_checkpoint_public_key_file or key.with_name(key.name + ".pub")

    @property
    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once and kept in ``$GOVDATA_HOME/secret_key``."""
        if self.secret_key:
            return self.secret_key
        path = self.home / "secret_key"
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()

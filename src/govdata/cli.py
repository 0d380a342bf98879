"""The ``govdata`` command: set up, serve, load demo data, manage people and tokens, verify the audit log."""

from __future__ import annotations

import os
import sys
from typing import Any
from pathlib import Path

import typer
from rich.console import Console

from govdata.config import get_settings

app = typer.Typer(help="政务数据资源管理与汇聚共享平台 (govdata)", no_args_is_help=True)
user_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
token_app = typer.Typer(help="Personal API tokens.", no_args_is_help=True)
system_app = typer.Typer(help="Connected business systems.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(system_app, name="system")
app.add_typer(audit_app, name="audit")
jobs_app = typer.Typer(help="Periodic jobs (scheduled pulls, timeliness).", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")
console = Console()


def _sessions():  # type: ignore[no-untyped-def]
    from govdata import wiring
    from govdata.core.db import make_engine, make_session_factory

    wiring.load()  # every context's jobs and event handlers, before any service runs
    settings = get_settings()
    return make_session_factory(make_engine(settings.resolved_database_url), settings)


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(code)


@app.command()
def init() -> None:
    """Create $GOVDATA_HOME and the database, and apply all migrations."""
    from govdata.core.migrate import upgrade

    settings = get_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    settings.resolved_secret_key  # noqa: B018 - create the key file once
    upgrade(settings.resolved_database_url)
    console.print(f"database ready: {settings.resolved_database_url}")
    _anchor_audit(settings)


def _anchor_audit(settings: Any) -> None:
    """Write an audit checkpoint now (after init and the demo), so the chain is anchored from its start
    rather than from the periodic job's first run."""
    from govdata.core import checkpoints

    with _sessions()() as session:
        try:
            checkpoint = checkpoints.write(session, settings)
        except checkpoints.CheckpointError as exc:
            _fail(f"audit checkpoint refused: {exc}")
    console.print(f"audit checkpoint at entry {checkpoint.seq}: {settings.resolved_audit_checkpoint_path}")


@app.command()
def demo(if_empty: bool = typer.Option(False, "--if-empty", help="Only load into a database with no departments."),
         dataset_scale: float = typer.Option(1.0, "--dataset-scale", min=0.01, max=1.0,
                                             help="Share of the demo datasets' rows to load (1 = all).")
         ) -> None:
    """Load the demo city: regions, departments, responsible persons, one account per role, the catalog,
    collection catalogs and datasets of aggregated records."""
    from govdata import demo as demo_module
    from govdata.core.policy import ROLES

    with _sessions()() as session:
        if not demo_module.is_empty(session):
            if if_empty:
                console.print("demo data already present; accounts as listed in README.md")
                return
            _fail("the database already holds departments; demo data loads only into an empty one")
        accounts = demo_module.load(session, dataset_scale=dataset_scale)
        session.commit()
    _anchor_audit(get_settings())
    from govdata.org.demo_data import DEPARTMENTS_BY_KEY

    console.print("演示账号 demo accounts (username / password / role / department):")
    for a in accounts:
        roles = "、".join(ROLES[r][0] for r in a["roles"])
        print(f"  {a['username']:<14} {a['password']:<18} {roles}  {DEPARTMENTS_BY_KEY[a['department_key']]['name']}")


@app.command()
def serve(host: str = typer.Option(None, help="Bind address (default $GOVDATA_HOST or 127.0.0.1)"),
          port: int = typer.Option(None, help="Port (default $GOVDATA_PORT or 8000)"),
          no_jobs: bool = typer.Option(False, "--no-jobs", help="Do not run the periodic jobs in this process")) -> None:
    """Serve the platform with uvicorn (and its periodic jobs, unless --no-jobs or GOVDATA_RUN_JOBS=false)."""
    import uvicorn

    os.environ["GOVDATA_RUN_JOBS"] = "false" if no_jobs else os.environ.get("GOVDATA_RUN_JOBS", "true")
    get_settings.cache_clear()
    settings = get_settings()
    console.print(f"serving on http://{host or settings.host}:{port or settings.port}")
    uvicorn.run("govdata.app:create_app", factory=True, host=host or settings.host, port=port or settings.port,
                log_level="info")


@app.command("departments")
def departments() -> None:
    """List departments: credit code and name."""
    from sqlalchemy import select

    from govdata.org.models import Department

    with _sessions()() as session:
        for d in session.scalars(select(Department).order_by(Department.id)):
            console.print(f"{d.credit_code}  {d.name}")


@system_app.command("create")
def system_create(department: str = typer.Option(..., help="Department's unified social credit code"),
                  name: str = typer.Option(..., help="System name"),
                  grade: int = typer.Option(..., help="Level-protection (等保) grade, 1-4"),
                  valid_until: str = typer.Option(..., help="Assessment valid until, YYYY-MM-DD"),
                  purpose: str = typer.Option("由运维人员通过命令行登记", help="What the system is for"),
                  owner: str = typer.Option("系统负责人", help="Owner's name"),
                  phone: str = typer.Option("13800000000", help="Owner's phone"),
                  zone: str = typer.Option("政务外网", help="Network zone"),
                  assessor: str = typer.Option("命令行登记", help="Assessing organisation"),
                  report: str = typer.Option("CLI", help="Assessment report number")) -> None:
    """Register a business system, approve it as the platform operator, print AppKey and AppSecret once."""
    import datetime as dt

    from govdata.core.actor import platform_actor
    from govdata.core.errors import DomainError
    from govdata.org import service as org_service
    from govdata.systems import service
    from govdata.systems.schemas import SystemCreate
    from govdata.workflow.schemas import Decision

    actor = platform_actor()
    try:
        with _sessions()() as session:
            dept = org_service.department_by_credit_code(session, department)
            valid = dt.date.fromisoformat(valid_until)
            system = service.register_system(session, actor, SystemCreate(
                department_id=dept.id, name=name, purpose=purpose, owner_name=owner, owner_phone=phone,
                network_zone=zone, security_grade=grade, assessor=assessor, assessment_report_no=report,  # type: ignore[arg-type]
                assessment_date=min(service.today(), valid - dt.timedelta(days=1)), assessment_valid_until=valid))
            service.decide_system(session, actor, system.id, Decision(transition="approve", reason="命令行登记"))
            _, secret = service.reveal_secret(session, actor, system.id)
            session.commit()
            console.print(f"registered and approved system {system.name} (id {system.id}) for {dept.name}")
            print(f"AppKey: {system.app_key}")
            print(f"AppSecret: {secret}")
    except DomainError as exc:
        _fail(exc.message("zh"))
    except ValueError as exc:
        _fail(str(exc))


@user_app.command("create")
def user_create(username: str, display_name: str = typer.Option(..., "--name"),
                department: str = typer.Option(..., help="Department's unified social credit code"),
                role: list[str] = typer.Option(..., "--role", help="Role id; repeat for several"),
                password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True)) -> None:
    """Create a user account (audited as the platform operator)."""
    from govdata.core.actor import platform_actor
    from govdata.core.errors import DomainError
    from govdata.org import service
    from govdata.org.schemas import UserCreate

    try:
        with _sessions()() as session:
            dept = service.department_by_credit_code(session, department)
            user = service.create_user(session, platform_actor(), UserCreate(
                username=username, display_name=display_name, department_id=dept.id, roles=role,  # type: ignore[arg-type]
                password=password))
            session.commit()
            console.print(f"created user {user.username} (id {user.id}) in {dept.name}")
    except DomainError as exc:
        _fail(exc.message("zh"))
    except ValueError as exc:
        _fail(str(exc))


@token_app.command("create")
def token_create(username: str, name: str = typer.Option("cli", help="What the token is for"),
                 days: int = typer.Option(90, help="Days until it expires")) -> None:
    """Create a personal API token for USERNAME and print it once."""
    from sqlalchemy import select

    from govdata.org import service
    from govdata.org.models import User
    from govdata.org.schemas import TokenCreate
    from govdata.org.signin import actor_for

    with _sessions()() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            _fail(f"no active user named {username}")
        assert user is not None
        _, raw = service.create_token(session, actor_for(user, "cli"), TokenCreate(name=name, expires_days=days))
        session.commit()
    print(raw)


@audit_app.command("verify")
def audit_verify(
        checkpoints_path: Path = typer.Option(None, "--checkpoints", dir_okay=False,
                                              help="Checkpoint file (default $GOVDATA_AUDIT_CHECKPOINT_PATH)"),
        public_key: Path = typer.Option(None, "--public-key", dir_okay=False,
                                        help="Public key (default $GOVDATA_AUDIT_CHECKPOINT_PUBLIC_KEY_FILE)")) -> None:
    """Check the audit chain, then the chain against every signed checkpoint; exit 1 and say what is wrong
    when anything was altered, removed or rewritten, or nothing anchors the chain."""
    from govdata.core import audit, checkpoints

    settings = get_settings()
    with _sessions()() as session:
        result = audit.verify(session)
        anchor = checkpoints.verify(session, settings, path=checkpoints_path, public_key_file=public_key) \
            if result.ok else None
    if not result.ok:
        console.print(f"[red]audit chain BROKEN at entry {result.bad_seq}: {result.reason}[/red] "
                      f"({result.checked} entries verified before it)")
        sys.exit(1)
    assert anchor is not None
    if not anchor.ok:
        where = f" at entry {anchor.bad_seq}" if anchor.bad_seq is not None else ""
        console.print(f"[red]audit chain NOT CONFIRMED by its checkpoints{where}: {anchor.reason}[/red] "
                      f"({result.checked} entries link up)")
        sys.exit(1)
    console.print(f"audit chain intact: {result.checked} entries")
    if anchor.last is not None:
        console.print(f"anchored by {anchor.checkpoints} signed checkpoint(s), the last at entry {anchor.last.seq} "
                      f"({anchor.last.time}); {anchor.unanchored} entries since")


@audit_app.command("digest")
def audit_digest(values: list[str] = typer.Argument(..., help="values to look for, e.g. identity numbers")) -> None:
    """Print the keyed SM3 digest the audit log keeps of each VALUE probed on a masked item or looked up by
    a masked key (``probes`` and ``keys`` of ``sharing.*`` entries), so an investigator holding the platform
    secret can tell what was tried. Needs the platform secret; the database alone cannot give it."""
    from govdata.sharing.masking import probe_digest, probe_key

    key = probe_key(get_settings().resolved_secret_key)
    for value in values:
        print(f"{probe_digest(key, value)}  {value}")


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the audit head (sequence, hash, time) into the checkpoint file outside the database, as the
    periodic job does; exit 1 when the chain since the last checkpoint is broken."""
    from govdata.core import checkpoints

    settings = get_settings()
    try:
        with _sessions()() as session:
            checkpoint = checkpoints.write(session, settings)
    except checkpoints.CheckpointError as exc:
        _fail(str(exc))
        return
    console.print(f"checkpoint at entry {checkpoint.seq} ({checkpoint.hash[:12]}…, key {checkpoint.key_id}) "
                  f"written to {settings.resolved_audit_checkpoint_path}")


@app.command("load")
def load(code: str = typer.Argument(..., help="Catalog resource code of a published structured entry"),
         path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                     help="CSV (UTF-8 or GB18030) or XLSX file; first row = column names"),
         mode: str = typer.Option("all", help="all: any bad row rejects the whole file; partial: load the good rows"),
         mapping: list[str] = typer.Option([], "--map", metavar="COL=FIELD",
                                           help="Map column COL to item field code FIELD; repeat for several"),
         ignore: list[str] = typer.Option([], "--ignore", metavar="COL", help="Leave column COL out; repeatable"),
         username: str = typer.Option(None, "--as", metavar="USERNAME",
                                      help="Act as this user (default: the platform operator)"),
         idempotency_key: str = typer.Option(None, "--idempotency-key",
                                             help="Run this load once: a rerun with the same key and file is answered")
         ) -> None:
    """Load a CSV or XLSX file into a dataset (columns matched by field code or item name; --map/--ignore
    for the rest); prints the counts and the rejection report's path; exit 1 when rejected or failed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from sqlalchemy import select

    from govdata.aggregation import service
    from govdata.core.actor import platform_actor
    from govdata.core.errors import DomainError
    from govdata.org.models import User
    from govdata.org.signin import actor_for

    if mode not in ("all", "partial"):
        _fail("--mode must be all or partial")
    pairs = [pair.partition("=") for pair in mapping]
    if any(not sep or not col.strip() or not field.strip() for col, sep, field in pairs):
        _fail("--map expects COL=FIELD")
    overrides: dict[str, str | None] = {col.strip(): field.strip() for col, _, field in pairs}
    with _sessions()() as session:
        actor = platform_actor()
        if username is not None:
            user = session.scalar(select(User).where(User.username == username.strip().lower()))
            if user is None or not user.active:
                _fail(f"no active user named {username}")
            actor = actor_for(user, "cli")  # type: ignore[arg-type]
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("行"),
                   TimeElapsedColumn())
        failure: DomainError | None = None
        with Progress(*columns, console=console) as bar:
            task = bar.add_task(path.name, total=None)
            try:
                loaded = service.load_file(session, actor, code, path, mapping=overrides, ignore=tuple(ignore),
                                           mode=mode, idempotency_key=idempotency_key,
                                           progress=lambda done, expected: bar.update(task, completed=done,
                                                                                      total=expected))
                bar.update(task, total=(loaded.result or {}).get("received"))
            except DomainError as exc:
                failure = exc
            (session.commit if failure is None or failure.keep_writes else session.rollback)()
        if failure is not None and failure.keep_writes:  # rejected as a whole: the load is recorded as such
            loaded = next(f for f in service.list_file_loads(session, actor, code)
                          if f.batch_id == failure.extra.get("batch_id"))
        elif failure is not None:
            for error in failure.errors[:20]:
                console.print(f"  {error.field}: {error.message}", markup=False)
            _fail(failure.message("zh"))
        result = loaded.result or {}
        console.print(f"load {loaded.id} of {path.name} into {code}: {loaded.status}, batch {loaded.batch_id}")
        print("  ".join(f"{name}={result.get(name, 0)}" for name in
                        ("received", "inserted", "updated", "unchanged", "rejected", "duplicates")))
        for row in result.get("rejections", [])[:10]:
            print(f"  第{row['row']}行 {row.get('key') or ''}：" + "；".join(p["message"] for p in row["problems"]))
        if result.get("report"):
            report = service.rejection_report(session, actor, loaded.id)
            session.commit()
            print(f"rejection report: {report}")
    if failure is not None or loaded.status != "committed":
        _fail(failure.message("zh") if failure is not None else f"load {loaded.status}")


@jobs_app.command("list")
def jobs_list() -> None:
    """List the periodic jobs and their intervals."""
    from govdata import wiring
    from govdata.core import jobs

    wiring.load()
    for entry in jobs.load_jobs().values():
        console.print(f"{entry.name}  every {entry.minutes(get_settings())} min  {entry.description}")


@jobs_app.command("run")
def jobs_run(name: str = typer.Argument(..., help="Job name (see `govdata jobs list`)")) -> None:
    """Run one periodic job now and print its summary."""
    from govdata import wiring
    from govdata.core import jobs

    wiring.load()
    if name not in jobs.load_jobs():
        _fail(f"no job named {name}; see `govdata jobs list`")
    summary = jobs.run(_sessions(), name)
    console.print(summary)


if __name__ == "__main__":
    app()

"""File loads (AGG-5, way in no. 2): a department uploads a CSV (UTF-8 or GB18030) or XLSX file for a
dataset, maps its columns to the entry's information items, and loads it — streamed in chunks, checked by
the columnar validator, written through the database's fast path — into one Batch.

Steps: ``upload_file`` (store the file under ``$GOVDATA_HOME/uploads`` named by its SM3 digest, read the
header and a sample, propose a mapping) → ``map_columns`` (every column mapped to an item or explicitly
ignored — an ignored column is not collected) → ``run_file_load``. ``load_file`` does all three for the
command line.

One load is one transaction: ``mode="all"`` (default) writes nothing when any row is rejected (the data
writes are rolled back to a savepoint, the rejected Batch, the FileLoad and the audit entry are kept);
``mode="partial"`` writes the good rows. Every rejected row — including rows with the wrong number of
fields — goes into a CSV report (``rejection_report``) with its row number in the file (the header is row
1), its reasons and its original values. A crash during a load rolls the whole transaction back: the
FileLoad stays ``uploaded`` and can be run again.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from govdata.aggregation import policy, readers
from govdata.aggregation.bulk import ChunkWriter
from govdata.aggregation.models import Dataset, FileLoad
from govdata.aggregation.service.common import MAX_KEY_LENGTH, data_engine_of, raw_key, resource_by_code
from govdata.aggregation.service.ingest import MODES, close_batch, open_batch, rejection, replayed, target_of
from govdata.aggregation.tables import data_connection
from govdata.catalog.models import Resource
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.db import settings_of, utcnow
from govdata.core.errors import Conflict, DomainError, NotFound, invalid
from govdata.core.policy import authorize
from govdata.core.sheet_writer import CsvWriter

__all__ = ["get_file_load", "list_file_loads", "load_file", "map_columns", "rejection_report", "run_file_load",
           "start_file_load", "upload_file"]

#: Rejected rows listed in the reply; all of them are in the report.
REPLY_REJECTIONS = 100
ProgressFn = Callable[[int, int | None], None]


def _uploads(session: Session) -> Path:
    folder = Path(settings_of(session).home) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _load(session: Session, load_id: int) -> FileLoad:
    load = session.get(FileLoad, load_id)
    if load is None:
        raise NotFound("文件导入", load_id, "File load")
    return load


def _resource_of(session: Session, load: FileLoad) -> Resource:
    dataset = session.get(Dataset, load.dataset_id)
    assert dataset is not None
    resource = session.get(Resource, dataset.resource_id)
    assert resource is not None
    return resource


def _limits(session: Session) -> readers.Limits:
    return readers.Limits.from_settings(settings_of(session))


def _problem(exc: readers.FileProblem) -> DomainError:
    return invalid("file", exc.message, code=exc.code, message_en=exc.message_en)


# --- upload and mapping --------------------------------------------------------------------------------


def upload_file(session: Session, actor: Actor, code: str, filename: str, source: BinaryIO,
                mode: str = "all") -> FileLoad:
    """Keep the uploaded file, read its header and first rows, and propose a mapping of its columns. ``mode``
    (all | partial) is kept with the load until the mapping is saved; a file without data rows is refused."""
    resource = resource_by_code(session, code)
    authorize(actor, policy.upload_file, resource)
    _check_mode(mode)
    target = target_of(session, resource)
    folder = _uploads(session)
    digest = hashlib.new("sm3")
    size = 0
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".upload-", delete=False) as tmp:
        while block := source.read(1 << 20):
            digest.update(block)
            size += len(block)
            tmp.write(block)
    temp_path = Path(tmp.name)
    name = (filename or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200] or "upload"
    try:
        file_format, encoding = readers.sniff(temp_path, name)
        headers, sample = readers.read_header(temp_path, file_format, encoding, _limits(session))
    except readers.FileProblem as exc:
        temp_path.unlink(missing_ok=True)
        raise _problem(exc) from None
    hex_digest = digest.hexdigest()
    stored = f"{hex_digest}.{file_format}"
    final = folder / stored
    if final.exists():
        temp_path.unlink()  # the same content was uploaded before: one copy is enough
    else:
        shutil.move(temp_path, final)
    load = FileLoad(dataset_id=target.dataset.id, department_id=resource.department_id, actor_name=actor.name,
                    user_id=actor.user_id, filename=name, stored_name=stored, size=size, digest=hex_digest,
                    file_format=file_format, encoding=encoding, headers=headers, sample=sample,
                    mapping=propose_mapping(headers, target.version.items), mode=mode, status="uploaded")
    session.add(load)
    session.flush()
    audit.record(session, actor, "aggregation.upload_file", object_type="file_load", object_id=load.id,
                 department_id=resource.department_id, medium=file_format,
                 detail={"resource_code": code, "filename": name, "size": size, "digest": hex_digest,
                         "encoding": encoding, "columns": headers, "mode": mode})
    return load


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise invalid("mode", "入库方式应为“全部或全不”（all）或“部分入库”（partial）",
                      message_en="must be all or partial")


def propose_mapping(headers: list[str], items: Iterable[Any]) -> dict[str, str | None]:
    """Column → field code by equal field code (any case) or equal item name; others unmapped (None)."""
    by_code = {item.field_code.lower(): item.field_code for item in items}
    by_name = {item.name.strip(): item.field_code for item in items if item.name}
    mapping: dict[str, str | None] = {}
    used: set[str] = set()
    for header in headers:
        found = by_code.get(header.strip().lower()) or by_name.get(header.strip())
        mapping[header] = found if found and found not in used else None
        if found:
            used.add(found)
    return mapping


def _check_mapping(load: FileLoad, items: list[Any], mapping: Mapping[str, str | None]) -> dict[str, str | None]:
    codes = {item.field_code: item for item in items}
    clean: dict[str, str | None] = {}
    unknown_columns = [c for c in mapping if c not in load.headers]
    if unknown_columns:
        raise invalid("mapping", f"文件中没有列“{unknown_columns[0]}”", code="mapping_invalid",
                      message_en=f"the file has no column {unknown_columns[0]!r}")
    missing = [c for c in load.headers if c not in mapping]
    if missing:
        raise invalid("mapping", f"列“{missing[0]}”尚未选择对应的信息项或“不导入”", code="columns_unmapped",
                      message_en=f"column {missing[0]!r} is neither mapped nor ignored")
    targets: dict[str, str] = {}
    for column in load.headers:
        field = mapping[column] or None
        if field is not None and field not in codes:
            raise invalid(f"mapping.{column}", f"“{field}”不是该目录的信息项", code="mapping_invalid",
                          message_en=f"{field!r} is not an information item of the entry")
        if field is not None and field in targets:
            raise invalid(f"mapping.{column}", f"信息项“{field}”已对应列“{targets[field]}”，不能重复对应",
                          code="mapping_invalid", message_en=f"item {field!r} is already mapped")
        if field is not None:
            targets[field] = column
        clean[column] = field
    for item in items:
        if item.is_key and item.field_code not in targets:
            raise invalid(f"mapping.{item.field_code}", f"主键信息项“{item.name}（{item.field_code}）”必须对应文件中的一列",
                          code="mapping_invalid", message_en=f"key item {item.field_code!r} must be mapped")
    return clean


def map_columns(session: Session, actor: Actor, load_id: int, mapping: Mapping[str, str | None],
                mode: str | None = None) -> FileLoad:
    """Set the column → item mapping (None: the column is not collected) of a waiting load, and its mode
    (None: the one chosen at upload stays)."""
    load = _load(session, load_id)
    authorize(actor, policy.map_columns, load)
    if load.status != "uploaded":
        raise Conflict("该文件已导入，不能再修改列对应关系", "This file load has already run", code="file_load_done")
    if mode is not None:
        _check_mode(mode)
    target = target_of(session, _resource_of(session, load))
    load.mapping = _check_mapping(load, list(target.version.items), mapping)
    load.mode = mode or load.mode
    audit.record(session, actor, "aggregation.map_columns", object_type="file_load", object_id=load.id,
                 department_id=load.department_id, detail={"mapping": load.mapping, "mode": load.mode})
    session.flush()
    return load


# --- the load -------------------------------------------------------------------------------------------


class _Report:
    """The CSV of rejected rows, opened at the first rejection (``core.sheet_writer``: UTF-8 with BOM, and no
    value, header or key of the file reaches a spreadsheet as a formula)."""

    def __init__(self, path: Path, headers: list[str]) -> None:
        self.path, self.headers = path, headers
        self.file: Any = None
        self.writer: CsvWriter | None = None
        self.rows = 0

    def add(self, row_no: int, key: str | None, problems: list[dict[str, str]], values: list[str]) -> None:
        if self.writer is None:
            self.file = self.path.open("wb")
            self.writer = CsvWriter(self.file)
            self.writer.writerow(["行号", "记录主键", "问题", *self.headers])
        reasons = "；".join(p["message"] for p in problems)
        self.writer.writerow([row_no, key or "", reasons, *values])
        self.rows += 1

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.file is not None:
            self.file.close()
            self.file = None


def _expected_rows(load: FileLoad, path: Path) -> int | None:
    """A guess for the progress bar: the file size over the sample's average row size (CSV)."""
    if load.file_format != "csv" or not load.sample:
        return None
    sample_bytes = sum(len(",".join(row).encode(load.encoding or "utf-8")) + 1 for row in load.sample)
    return max(1, int(path.stat().st_size / (sample_bytes / len(load.sample))))


def start_file_load(session: Session, actor: Actor, load_id: int) -> FileLoad:
    """Check, in the request, that a load may run now — who asks, the entry, the mapping, the file — before a
    background worker runs it (``run_file_load`` checks again then). A load that has run is returned as it is."""
    load = _load(session, load_id)
    authorize(actor, policy.start_file_load, load)
    if load.status != "uploaded":
        return load
    target = target_of(session, _resource_of(session, load))
    _check_mapping(load, list(target.version.items), load.mapping)
    if not (_uploads(session) / load.stored_name).exists():
        raise _file_missing()
    return load


def _file_missing() -> Conflict:
    return Conflict("上传的文件已不在服务器上，请重新上传", "The uploaded file is missing; upload it again",
                    code="file_missing")


def run_file_load(session: Session, actor: Actor, load_id: int, *, idempotency_key: str | None = None,
                  progress: ProgressFn | None = None) -> FileLoad:
    """Load a mapped file into its dataset (see the module docstring). Returns the FileLoad with its result;
    ``mode="all"`` with rejected rows raises ``batch_rejected`` after keeping the records of the attempt."""
    from govdata.aggregation.columnar import ColumnarValidator

    load = _load(session, load_id)
    authorize(actor, policy.run_file_load, load)
    if load.status != "uploaded":
        return load  # already run: its result stands (a retry is answered, not applied again)
    resource = _resource_of(session, load)
    target = target_of(session, resource)
    items = list(target.version.items)
    mapping = _check_mapping(load, items, load.mapping)
    prior = replayed(session, target, actor, idempotency_key, load.digest)
    if prior is not None:
        load.status, load.result, load.batch_id = str(prior.get("status")), prior, prior.get("batch_id")
        return load

    folder = _uploads(session)
    path = folder / load.stored_name
    if not path.exists():
        raise _file_missing()
    specs = target.specs
    validator = ColumnarValidator(specs)
    field_codes = [s.field_code for s in specs]
    key_codes = [s.field_code for s in specs if s.is_key]
    column_of = {field: column for column, field in mapping.items() if field}
    batch = open_batch(session, target, actor, source="file", medium=load.file_format, mode=load.mode,
                       digest=load.digest, idempotency_key=idempotency_key, status="committed", rejected=0)
    report = _Report(folder / "reports" / f"load-{load.id}-batch-{batch.id}.csv", load.headers)
    report.path.parent.mkdir(exist_ok=True)
    listed: list[dict[str, Any]] = []
    received = rejected = 0

    def reject_malformed(row_no: int, text: str) -> None:
        problems = [{"field": "row", "code": "row_malformed", "message": f"该行的列数与表头（{len(load.headers)}列）不一致"}]
        if len(listed) < REPLY_REJECTIONS:
            listed.append({"row": row_no + 1, "key": None, "problems": problems})
        report.add(row_no + 1, None, problems, [text])

    malformed = readers.Malformed(reject_malformed)  # straight into the report, not kept in memory
    expected = _expected_rows(load, path)
    now = utcnow()
    engine = data_engine_of(session)
    try:
        with data_connection(session, engine) as connection:
            savepoint = connection.begin_nested() if load.mode == "all" else None
            writer = ChunkWriter(connection, target.dataset, field_codes, batch.id, now)
            try:
                for row_nos, columns in readers.chunks(path, load.file_format, load.encoding, malformed,
                                                       _limits(session)):
                    n = len(row_nos)
                    received += n
                    checked = validator.check({field: columns[col] for field, col in column_of.items()}, n)
                    ok = checked.ok
                    too_long = _long_keys(checked.keys, ok)
                    bad = np.flatnonzero(~ok | too_long)
                    for i in bad.tolist():
                        problems = [{"field": p.field, "code": p.code, "message": p.message}
                                    for p in checked.problems.get(i, [])]
                        if not problems:
                            problems = [{"field": key_codes[0] if key_codes else "record_key", "code": "key_too_long",
                                         "message": f"记录主键超过{MAX_KEY_LENGTH}个字符"}]
                        row = {"row": int(row_nos[i]) + 1, "key": raw_key({c: columns[column_of[c]][i].as_py() for c in key_codes},
                                                              key_codes),
                               "problems": problems}
                        if len(listed) < REPLY_REJECTIONS:
                            listed.append(row)
                        report.add(row["row"], row["key"], problems, [columns[h][i].as_py() for h in load.headers])
                    rejected += len(bad)
                    good = np.flatnonzero(ok & ~too_long)
                    if len(good) and not (savepoint is not None and (rejected or len(malformed))):  # all or nothing: no writes after a bad row
                        take = pa.array(good)
                        keys = checked.keys.take(take).to_pylist() if key_codes else None
                        hashes = [checked.hashes[i] for i in good.tolist()]
                        writer.write({c: checked.columns[c].take(take) for c in field_codes},
                                     keys if keys is not None else hashes, hashes)
                    if progress is not None:
                        progress(received, max(expected or 0, received) if expected else None)
                if not received and not len(malformed):
                    raise readers.no_rows()
                writer.finish()
            except BaseException:
                writer.abort()  # an open COPY must end before the rollback
                raise
            received += len(malformed)
            rejected += len(malformed)
            status = "rejected" if rejected and load.mode == "all" else "committed"
            if savepoint is not None:
                if status == "rejected":
                    savepoint.rollback()
                else:
                    savepoint.commit()
    except readers.FileProblem as exc:
        report.close()
        raise _problem(exc) from None
    finally:
        report.close()

    counts = writer.counts if status == "committed" else {"inserted": 0, "updated": 0, "unchanged": 0}
    batch.status, batch.rejected = status, rejected
    listed.sort(key=lambda r: r["row"])
    body = {"batch_id": batch.id, "dataset": resource.code, "mode": load.mode, "status": status,
            "received": received, **counts, "rejected": rejected,
            "duplicates": writer.duplicates if status == "committed" else 0, "rejections": listed,
            "report": report.rows > 0}
    close_batch(session, target, actor, batch, action="aggregation.run_file_load", counts=counts,
                written_keys=writer.key_sample if status == "committed" else [], body=body,
                detail={"file_load_id": load.id, "filename": load.filename,
                        "ignored_columns": [c for c, f in mapping.items() if not f] or None})
    load.status, load.result, load.batch_id, load.finished_at = status, body, batch.id, utcnow()
    load.report_name = str(report.path.relative_to(folder)) if report.rows else None
    session.flush()
    if status == "rejected":
        raise rejection(body, keep=True)
    return load


def _long_keys(keys: pa.Array, ok: np.ndarray) -> np.ndarray:
    if keys.null_count == len(keys):
        return np.zeros(len(ok), dtype=bool)
    lengths = pc.fill_null(pc.utf8_length(keys), 0).to_numpy(zero_copy_only=False)
    return ok & (lengths > MAX_KEY_LENGTH)


# --- reading ---------------------------------------------------------------------------------------------


def get_file_load(session: Session, actor: Actor, load_id: int) -> FileLoad:
    load = _load(session, load_id)
    authorize(actor, policy.get_file_load, load)
    return load


def list_file_loads(session: Session, actor: Actor, code: str) -> list[FileLoad]:
    resource = resource_by_code(session, code)
    authorize(actor, policy.list_file_loads, resource)
    dataset = session.scalar(select(Dataset).where(Dataset.resource_id == resource.id))
    if dataset is None:
        return []
    return list(session.scalars(select(FileLoad).where(FileLoad.dataset_id == dataset.id)
                                .order_by(FileLoad.id.desc()).limit(200)))


def rejection_report(session: Session, actor: Actor, load_id: int) -> Path:
    """The CSV of a load's rejected rows (their values included: an export, audited)."""
    load = _load(session, load_id)
    authorize(actor, policy.rejection_report, load)
    if not load.report_name:
        raise NotFound("拒收报告", load_id, "Rejection report")
    path = _uploads(session) / load.report_name
    if not path.exists():
        raise NotFound("拒收报告", load_id, "Rejection report")
    audit.record(session, actor, "aggregation.rejection_report", object_type="file_load", object_id=load.id,
                 department_id=load.department_id, medium="csv",
                 data_content={"count": (load.result or {}).get("rejected", 0), "fields": load.headers})
    return path


def load_file(session: Session, actor: Actor, code: str, path: Path, *,
              mapping: Mapping[str, str | None] | None = None, ignore: Iterable[str] = (), mode: str = "all",
              idempotency_key: str | None = None, progress: ProgressFn | None = None) -> FileLoad:
    """Upload, map (the proposed mapping, overridden by ``mapping``; ``ignore`` names columns not to
    collect) and run, for the command line."""
    resource = resource_by_code(session, code)
    authorize(actor, policy.load_file, resource)
    with path.open("rb") as source:
        load = upload_file(session, actor, code, path.name, source, mode)
    chosen = dict(load.mapping)
    chosen.update(mapping or {})
    ignored = set(ignore)
    unmapped = [c for c, f in chosen.items() if not f and c not in ignored]
    if unmapped:
        raise invalid("mapping", f"这些列既未对应信息项也未声明不导入：{'、'.join(unmapped)}", code="columns_unmapped",
                      message_en=f"columns neither mapped nor ignored: {', '.join(unmapped)}")
    map_columns(session, actor, load.id, {c: (None if c in ignored else f) for c, f in chosen.items()}, mode)
    return run_file_load(session, actor, load.id, idempotency_key=idempotency_key, progress=progress)

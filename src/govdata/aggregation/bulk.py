"""Bulk writes into a dataset table for file loads: the append-only upsert of whole chunks of validated
rows through the database's fast path (SQLite ``executemany`` in the load's transaction, PostgreSQL
``COPY … FROM STDIN`` in CSV), with the same rules as ``service.common.upsert``: a new key is version 1, a
changed content hash is the next version, the same hash is unchanged, a tombstoned key comes back as the
next version, and a key that comes again later in the same load replaces the earlier row.

The current version of each key must be looked up unless it cannot exist. When the table was empty at the
start of the load, only keys seen earlier in this load can exist; they are remembered as 64-bit hashes in a
sorted array (8 bytes a key, so memory stays small), and a hash hit — a repeated key, or very rarely a
collision — just takes the lookup path, so the answer is always right.

A first load into an empty table also builds the table's secondary indexes once at the end instead of
maintaining them row by row (the DDL is part of the load's transaction: a rollback brings them back); they
are built early, before the first lookup, when the load meets a key again.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import MetaData, Table, insert, select
from sqlalchemy.engine import Connection

from govdata.aggregation.models import Dataset
from govdata.aggregation.tables import dataset_table, latest_versions

LOOKUP_CHUNK = 500


class ChunkWriter:
    """Writes chunks of validated rows of one load into ``dataset``'s table on ``connection``."""

    def __init__(self, connection: Connection, dataset: Dataset, field_codes: Sequence[str], batch_id: int,
                 now: dt.datetime) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self.table: Table = dataset_table(dataset, MetaData(), self.dialect)
        self.field_codes = list(field_codes)
        self.batch_ref = str(batch_id)
        self.now = now
        self.empty_at_start = connection.execute(select(self.table.c.row_id).limit(1)).first() is None
        self.seen = np.empty(0, dtype=np.int64)
        self.counts = {"inserted": 0, "updated": 0, "unchanged": 0}
        self.duplicates = 0
        self.key_sample: list[str] = []
        self.written = 0
        types = {c["field_code"]: c["data_type"] for c in dataset.columns}
        self.types = [types[code] for code in self.field_codes]
        self.use_copy = self.dialect == "postgresql" and "G" not in self.types
        self.deferred: list[Any] = []
        if self.empty_at_start:
            self.deferred = [index for index in self.table.indexes]
            for index in self.deferred:
                index.drop(connection)

        self._copy_open: Any = None  # (cursor, copy context, copy) of a COPY kept open across chunks

    def finish(self) -> None:
        """End the open COPY and build the indexes a first load deferred. Call once after the last chunk
        (and before any other statement on the connection)."""
        self._end_copy()
        for index in self.deferred:
            index.create(self.connection)
        self.deferred = []

    # --- the upsert -------------------------------------------------------------------------------------

    def write(self, columns: dict[str, pa.Array], keys: list[str], hashes: list[str]) -> None:
        """Write the rows of one chunk (all valid): ``columns`` converted values by field code, ``keys`` and
        ``hashes`` per row."""
        last: dict[str, int] = {}
        for i, key in enumerate(keys):
            last[key] = i
        if len(last) < len(keys):
            self.duplicates += len(keys) - len(last)
            order = np.fromiter(sorted(last.values()), dtype=np.int64, count=len(last))
        else:
            order = np.arange(len(keys), dtype=np.int64)
        kept_keys = [keys[i] for i in order] if len(order) < len(keys) else keys
        kept_hashes = [hashes[i] for i in order] if len(order) < len(keys) else hashes
        key_hashes = np.fromiter((hash(k) for k in kept_keys), dtype=np.int64, count=len(kept_keys))

        if self.empty_at_start:
            maybe = self._seen_before(key_hashes)
        else:
            maybe = np.ones(len(kept_keys), dtype=bool)
        versions = np.ones(len(kept_keys), dtype=np.int64)
        keep = np.ones(len(kept_keys), dtype=bool)
        look = np.flatnonzero(maybe)
        if len(look):
            self.finish()  # lookups need the key index
            current = self._current([kept_keys[i] for i in look])
            for i in look:
                found = current.get(kept_keys[i])
                if found is None:
                    self.counts["inserted"] += 1
                    continue
                version, content_hash, tombstone = found
                if not tombstone and content_hash == kept_hashes[i]:
                    keep[i] = False
                    self.counts["unchanged"] += 1
                    continue
                versions[i] = version + 1
                self.counts["inserted" if tombstone else "updated"] += 1
        self.counts["inserted"] += int(len(kept_keys) - len(look))
        if self.empty_at_start:
            merged = np.concatenate([self.seen, np.sort(key_hashes)])
            merged.sort(kind="stable")  # two sorted runs: a merge, not a full sort
            self.seen = merged

        rows = order[keep] if not keep.all() else order
        if not len(rows):
            return
        selected = [kept_keys[i] for i in np.flatnonzero(keep)] if not keep.all() else kept_keys
        selected_hashes = [kept_hashes[i] for i in np.flatnonzero(keep)] if not keep.all() else kept_hashes
        if len(self.key_sample) < 20:
            self.key_sample.extend(selected[:20 - len(self.key_sample)])
        take = pa.array(rows)
        data = {code: columns[code].take(take) for code in self.field_codes}
        self._insert(data, selected, versions[keep] if not keep.all() else versions, selected_hashes)
        self.written += len(selected)

    def _seen_before(self, key_hashes: np.ndarray) -> np.ndarray:
        if not len(self.seen):
            return np.zeros(len(key_hashes), dtype=bool)
        at = np.searchsorted(self.seen, key_hashes)
        return self.seen[np.minimum(at, len(self.seen) - 1)] == key_hashes

    def _current(self, keys: list[str]) -> dict[str, tuple[int, str | None, bool]]:
        self._end_copy()  # no other statement while a COPY is in progress
        found: dict[str, tuple[int, str | None, bool]] = {}
        for start in range(0, len(keys), LOOKUP_CHUNK):
            part = keys[start:start + LOOKUP_CHUNK]
            for row in self.connection.execute(latest_versions(self.table, part)):
                found[row.record_key] = (row.record_version, row.content_hash, bool(row.tombstone))
        return found

    # --- the fast paths ---------------------------------------------------------------------------------

    def _insert(self, data: dict[str, pa.Array], keys: list[str], versions: np.ndarray, hashes: list[str]) -> None:
        n = len(keys)
        system = {"record_key": pa.array(keys, pa.string()), "record_version": pa.array(versions, pa.int64()),
                  "batch_id": pa.array([self.batch_ref] * n, pa.string()),
                  "content_hash": pa.array(hashes, pa.string())}
        if self.use_copy:
            self._copy(data, system, n)
        elif self.dialect == "sqlite":
            self._executemany(data, system, n)
        else:  # PostgreSQL with binary (G) items, or another database: SQLAlchemy's insert
            rows = [dict(zip(self.field_codes, values, strict=True)) for values in
                    zip(*(data[c].to_pylist() for c in self.field_codes), strict=True)] if self.field_codes else \
                [{} for _ in range(n)]
            for row, key, version, row_hash in zip(rows, keys, versions.tolist(), hashes, strict=True):
                row.update(record_key=key, record_version=version, batch_id=self.batch_ref, content_hash=row_hash,
                           ingested_at=self.now, tombstone=False)
            self.connection.execute(insert(self.table), rows)

    def _names(self) -> list[str]:
        return ["record_key", "record_version", "batch_id", "content_hash", "ingested_at", "tombstone",
                *self.field_codes]

    def _executemany(self, data: dict[str, pa.Array], system: dict[str, pa.Array], n: int) -> None:
        """SQLite: one ``executemany`` on the session's own connection (same transaction), values in the forms
        SQLAlchemy's SQLite types store (dates 'YYYY-MM-DD', timestamps 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC,
        booleans 0/1); the batch, the ingest time and the tombstone flag are the same for every row, so they
        are literals of the statement (our own integer and timestamp text, never input)."""
        stamp = self.now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        lists: list[list[Any]] = [system["record_key"].to_pylist(), system["record_version"].to_pylist(),
                                  system["content_hash"].to_pylist()]
        for code, data_type in zip(self.field_codes, self.types, strict=True):
            lists.append(_sqlite_values(data[code], data_type))
        preparer = self.connection.dialect.identifier_preparer
        names = ", ".join(preparer.quote(c) for c in ["record_key", "record_version", "content_hash", "batch_id",
                                                      "ingested_at", "tombstone", *self.field_codes])
        marks = ", ".join(["?", "?", "?", f"'{int(self.batch_ref)}'", f"'{stamp}'", "0"] +
                          ["?" for _ in self.field_codes])
        sql = f"INSERT INTO {preparer.quote(self.table.name)} ({names}) VALUES ({marks})"
        cursor = self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(sql, zip(*lists, strict=True))
        finally:
            cursor.close()

    def _copy(self, data: dict[str, pa.Array], system: dict[str, pa.Array], n: int) -> None:
        """PostgreSQL: the chunk as CSV through ``COPY … FROM STDIN`` on the session's own connection (same
        transaction). NULL is the unquoted empty field; empty strings were made NULL by validation."""
        arrays = [system["record_key"], system["record_version"], system["batch_id"], system["content_hash"],
                  pa.array([self.now.astimezone(dt.UTC).isoformat()] * n, pa.string()),
                  pa.array(["f"] * n, pa.string())]
        for code, data_type in zip(self.field_codes, self.types, strict=True):
            arrays.append(_pg_values(data[code], data_type))
        names = self._names()
        batch = pa.RecordBatch.from_arrays(arrays, names=[f"c{i}" for i in range(len(names))])
        buffer = io.BytesIO()
        pacsv.write_csv(batch, buffer, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
        if self._copy_open is None:
            self._begin_copy(names)
        self._copy_open[2].write(buffer.getbuffer())

    def _begin_copy(self, names: list[str]) -> None:
        """One COPY for the whole run of chunks, fed by a writer thread (psycopg's QueuedLibpqWriter): the
        server stores one chunk while this process checks the next."""
        from psycopg.copy import QueuedLibpqWriter

        preparer = self.connection.dialect.identifier_preparer
        columns = ", ".join(preparer.quote(c) for c in names)
        raw = self.connection.connection.driver_connection
        cursor = raw.cursor()  # type: ignore[union-attr]
        context = cursor.copy(f"COPY {preparer.quote(self.table.name)} ({columns}) FROM STDIN WITH (FORMAT csv)",
                              writer=QueuedLibpqWriter(cursor))
        self._copy_open = (cursor, context, context.__enter__())

    def abort(self) -> None:
        """Give up an open COPY (the load failed): the server discards it and the connection can roll
        back."""
        if self._copy_open is None:
            return
        cursor, context, _ = self._copy_open
        self._copy_open = None
        try:
            failure = RuntimeError("file load aborted")
            context.__exit__(type(failure), failure, None)
        except Exception:  # noqa: BLE001, S110 - the COPY is abandoned either way; the rollback follows
            pass
        finally:
            cursor.close()

    def _end_copy(self) -> None:
        if self._copy_open is None:
            return
        cursor, context, _ = self._copy_open
        self._copy_open = None
        try:
            context.__exit__(None, None, None)
        finally:
            cursor.close()


def _sqlite_values(array: pa.Array, data_type: str) -> list[Any]:
    if data_type == "D":
        return pc.cast(array, pa.string()).to_pylist()  # 'YYYY-MM-DD'
    if data_type == "T":
        return _utc_text(array, 26).to_pylist()  # 'YYYY-MM-DD HH:MM:SS.ffffff'
    if data_type == "L":
        return pc.cast(array, pa.int8()).to_pylist()
    if data_type in ("Y", "I", "B", "F") and array.null_count == 0:
        return array.to_numpy().tolist()  # faster than to_pylist for plain numbers
    return array.to_pylist()


def _utc_text(array: pa.Array, width: int) -> pa.Array:
    """A UTC timestamp array as text without the zone letter (arrow's cast gives '… 03:04:05.000000Z')."""
    return pc.utf8_slice_codeunits(pc.cast(array, pa.string()), 0, width)


def _pg_values(array: pa.Array, data_type: str) -> pa.Array:
    if data_type == "T":
        return pc.cast(array, pa.string())  # the trailing Z is UTC to PostgreSQL
    if data_type == "L":
        return pc.if_else(array, pa.scalar("t"), pa.scalar("f"))
    return array

"""Signed checkpoints of the audit head, kept outside the database (SEC-2).

The hash chain finds any change made through the database's front door, but someone who can switch off the
append-only triggers could rewrite an entry, recompute every later hash and move the head: the chain walk
would pass. A checkpoint anchors the head outside the database: the sequence number and hash of the last
entry, the time, and the signing key's id, signed with an Ed25519 key kept in a file (never in the
database, not derived from anything in it). Checkpoints are appended as JSON lines to
``GOVDATA_AUDIT_CHECKPOINT_PATH`` by the periodic job ``audit_checkpoint`` and by ``govdata audit
checkpoint``; ``GOVDATA_AUDIT_CHECKPOINT_COMMAND`` may copy each line elsewhere as well.

Ed25519 rather than HMAC-SM3: verification needs only the public key, so whoever checks the log (an
investigator with a copy of the file and the public key, offline) cannot forge checkpoints, and the public
key may be published. SM2 signatures are not in ``cryptography``; the entries' hashes remain SM3.

:func:`write` signs the head only over a chain that links, entry by entry, from the previous checkpoint to
it, so a rewrite is refused a checkpoint. :func:`verify` checks every line (signature, key, order) and that
each checkpointed entry still exists with the checkpointed hash. Entries written after the last checkpoint
are not yet anchored: the window is the job's interval.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shlex
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.audit import GENESIS, AuditEntry, AuditHead
from govdata.core.crypto import sm3_hex
from govdata.core.db import settings_of, utcnow
from govdata.core.jobs import job

VERSION = 1
_DOMAIN = b"govdata-audit-checkpoint\n"  # what is signed is a checkpoint, never anything else
COPY_TIMEOUT_SECONDS = 60
_LOOKUP_BATCH = 500


class CheckpointError(Exception):
    """A checkpoint could not be written; the message says why and what to do."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    time: str  # UTC, ISO 8601 with microseconds and Z
    key_id: str
    sig: str = ""  # Ed25519 signature (hex) of ``signed_bytes``

    def signed_bytes(self) -> bytes:
        body = {"v": VERSION, "seq": self.seq, "hash": self.hash, "time": self.time, "key_id": self.key_id}
        return _DOMAIN + json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def line(self) -> str:
        return json.dumps({"v": VERSION, "seq": self.seq, "hash": self.hash, "time": self.time,
                           "key_id": self.key_id, "sig": self.sig}, separators=(",", ":"))

    @classmethod
    def parse(cls, line: str) -> Checkpoint:
        """The checkpoint on ``line``; ValueError when it is not one."""
        data = json.loads(line)
        if not isinstance(data, dict) or data.get("v") != VERSION:
            raise ValueError("not a checkpoint")
        seq, digest, time, key_id, sig = (data.get(k) for k in ("seq", "hash", "time", "key_id", "sig"))
        if not (isinstance(seq, int) and seq >= 0 and all(isinstance(v, str) for v in (digest, time, key_id, sig))):
            raise ValueError("not a checkpoint")
        return cls(seq, digest, time, key_id, sig)

    def signed_by(self, public_key: Ed25519PublicKey) -> bool:
        try:
            public_key.verify(bytes.fromhex(self.sig), self.signed_bytes())
        except (InvalidSignature, ValueError):
            return False
        return True


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short name of the key, written into each checkpoint: SM3 of the raw public key, 16 hex digits."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return sm3_hex(raw)[:16]


def read(path: Path) -> list[Checkpoint]:
    """Every checkpoint in ``path`` (none when it does not exist); CheckpointError names a line that is not one."""
    found = []
    for number, line in _lines(path):
        try:
            found.append(Checkpoint.parse(line))
        except ValueError as exc:
            raise CheckpointError(f"line {number} of {path} is not a checkpoint") from exc
    return found


# --- writing ---------------------------------------------------------------------------------------------

def write(session: Session, settings: Any) -> Checkpoint:
    """Sign the audit head and append it to the checkpoint file, then give it to the copy command if one is
    set. Refused (CheckpointError, nothing written) unless the chain links from the previous checkpoint to the
    head through unaltered entries. Writers of the same file queue on a file lock."""
    path = settings.resolved_audit_checkpoint_path
    path.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640), "a+b") as file:
        fcntl.flock(file, fcntl.LOCK_EX)  # released when the file is closed
        last = _last_line(file)
        key = _signing_key(settings, has_checkpoints=last is not None)
        public = key.public_key()
        after = (0, GENESIS)
        if last is not None:
            previous = _previous(last, path, public)
            after = (previous.seq, previous.hash)
        head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
        if head is None:
            raise CheckpointError("audit head missing: run `govdata init`")
        check = audit.verify_range(session, after, (head.seq, head.hash))
        if not check.ok:
            raise CheckpointError(f"checkpoint not written: the chain from the last checkpoint (entry {after[0]}) "
                                  f"to the head (entry {head.seq}) is broken: {check.reason}. "
                                  "Run `govdata audit verify`.")
        checkpoint = _sign(key, head.seq, head.hash)
        file.write((checkpoint.line() + "\n").encode("utf-8"))
        file.flush()
        os.fsync(file.fileno())
    if settings.audit_checkpoint_command:
        _copy(settings.audit_checkpoint_command, checkpoint, path)
    return checkpoint


@job("audit_checkpoint", every_minutes=10, every_setting="audit_checkpoint_minutes",
     description="Sign the audit head into the checkpoint file outside the database")
def checkpoint_job(session: Session, _actor: Actor) -> dict[str, Any]:
    checkpoint = write(session, settings_of(session))
    return {"seq": checkpoint.seq, "hash": checkpoint.hash[:12]}


def _sign(key: Ed25519PrivateKey, seq: int, digest: str) -> Checkpoint:
    time = utcnow().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    unsigned = Checkpoint(seq, digest, time, key_id(key.public_key()))
    return Checkpoint(seq, digest, time, unsigned.key_id, key.sign(unsigned.signed_bytes()).hex())


def _previous(line: str, path: Path, public: Ed25519PublicKey) -> Checkpoint:
    try:
        previous = Checkpoint.parse(line)
    except ValueError as exc:
        raise CheckpointError(f"checkpoint not written: the last line of {path} is not a checkpoint "
                              "(a write cut short, or an edit); check the file") from exc
    if previous.key_id != key_id(public) or not previous.signed_by(public):
        raise CheckpointError(f"checkpoint not written: the last checkpoint in {path} is not signed by this "
                              "key; to start a new key, archive the file with its public key first")
    return previous


def _signing_key(settings: Any, has_checkpoints: bool) -> Ed25519PrivateKey:
    """The private key; made (with its public key) only when there is neither a key nor a checkpoint yet."""
    key_file: Path = settings.resolved_audit_checkpoint_key_file
    public_file: Path = settings.resolved_audit_checkpoint_public_key_file
    if not key_file.exists():
        if has_checkpoints or public_file.exists():
            raise CheckpointError(f"checkpoint key {key_file} missing: restore it from its backup (a new key "
                                  f"would not match {public_file} nor the checkpoints written so far)")
        return _create_key(key_file, public_file)
    mode = stat.S_IMODE(key_file.stat().st_mode)
    if mode & 0o077:
        raise CheckpointError(f"checkpoint key {key_file} is readable by others (mode {mode:o}): chmod 600 it")
    try:
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    except ValueError as exc:
        raise CheckpointError(f"checkpoint key {key_file} is not a PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"checkpoint key {key_file} is not an Ed25519 key")
    if public_file.exists():
        if key_id(_load_public(public_file)) != key_id(key.public_key()):
            raise CheckpointError(f"{public_file} is not the public key of {key_file}")
    else:
        _write_public(public_file, key.public_key())
    return key


def _create_key(key_file: Path, public_file: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    with os.fdopen(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(pem)
    _write_public(public_file, key.public_key())
    return key


def _write_public(public_file: Path, public: Ed25519PublicKey) -> None:
    public_file.parent.mkdir(parents=True, exist_ok=True)
    public_file.write_bytes(public.public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo))


def _load_public(public_file: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(public_file.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def _copy(command: str, checkpoint: Checkpoint, path: Path) -> None:
    failed = f"checkpoint of entry {checkpoint.seq} written to {path}, but the copy command failed"
    try:
        done = subprocess.run(shlex.split(command), input=checkpoint.line() + "\n", text=True, capture_output=True,
                              timeout=COPY_TIMEOUT_SECONDS, check=False)
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise CheckpointError(f"{failed}: {exc}") from exc
    if done.returncode != 0:
        raise CheckpointError(f"{failed} (exit {done.returncode}): {done.stderr.strip()[-500:]}")


def _last_line(file: IO[bytes]) -> str | None:
    """The file's last non-empty line, read backwards from the end (the file grows for years)."""
    end = file.seek(0, os.SEEK_END)
    tail = b""
    position = end
    while position > 0:
        step = min(4096, position)
        position -= step
        file.seek(position)
        tail = file.read(step) + tail
        body = tail.rstrip(b"\r\n")
        if b"\n" in body:
            return body.rsplit(b"\n", 1)[1].decode("utf-8", errors="replace")
    body = tail.rstrip(b"\r\n")
    return body.decode("utf-8", errors="replace") if body else None


def _lines(path: Path) -> list[tuple[int, str]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return list(enumerate(lines, start=1))


# --- verifying -------------------------------------------------------------------------------------------

@dataclass
class AnchorResult:
    ok: bool
    checkpoints: int = 0
    last: Checkpoint | None = None
    unanchored: int = 0  # entries written after the last checkpoint
    bad_seq: int | None = None
    line: int | None = None  # of the checkpoint file
    reason: str | None = None


def verify(session: Session, settings: Any, *, path: Path | None = None,
           public_key_file: Path | None = None) -> AnchorResult:
    """Check the chain against every checkpoint in ``path`` (the configured file by default) with the public
    key only: each line signed by that key, in order, and its entry present with its hash; the chain reaching
    the last one. Run after ``audit.verify`` (which checks the links): together they find a chain rewritten
    consistently, or cut short, since a checkpoint."""
    path = path or settings.resolved_audit_checkpoint_path
    public_file = public_key_file or settings.resolved_audit_checkpoint_public_key_file
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    if head is None:
        return AnchorResult(False, reason="audit head missing")
    lines = _lines(path)
    if not lines:
        if head.seq == 0:
            return AnchorResult(True)
        return AnchorResult(False, reason=f"no checkpoint in {path}: the chain is not anchored outside the database "
                                          "(run `govdata audit checkpoint`)")
    try:
        public = _load_public(public_file)
    except FileNotFoundError:
        return AnchorResult(False, reason=f"public key {public_file} missing: the checkpoints cannot be verified")
    except ValueError:
        return AnchorResult(False, reason=f"{public_file} is not an Ed25519 public key (PEM)")
    ours = key_id(public)
    found: list[tuple[int, Checkpoint]] = []
    for number, line in lines:
        try:
            checkpoint = Checkpoint.parse(line)
        except ValueError:
            return AnchorResult(False, len(found), line=number, reason=f"line {number} of {path} is not a checkpoint")
        if checkpoint.key_id != ours:
            return AnchorResult(False, len(found), line=number, reason=(
                f"line {number} is signed by another key ({checkpoint.key_id}; {public_file} is {ours})"))
        if not checkpoint.signed_by(public):
            return AnchorResult(False, len(found), line=number,
                                reason=f"line {number}: signature does not match (checkpoint altered)")
        if found and checkpoint.seq < found[-1][1].seq:
            return AnchorResult(False, len(found), line=number, reason=(
                f"line {number}: entry {checkpoint.seq} after entry {found[-1][1].seq} (checkpoints out of order)"))
        found.append((number, checkpoint))
    stored = _hashes(session, sorted({c.seq for _, c in found}))
    for number, checkpoint in found:
        where = f"the checkpoint of {checkpoint.time} (line {number})"
        if checkpoint.seq not in stored:
            return AnchorResult(False, len(found), bad_seq=checkpoint.seq, line=number, reason=(
                f"entry {checkpoint.seq}, anchored by {where}, is missing (chain cut short)"))
        if stored[checkpoint.seq] != checkpoint.hash:
            return AnchorResult(False, len(found), bad_seq=checkpoint.seq, line=number, reason=(
                f"entry {checkpoint.seq} does not match {where}: the chain was rewritten up to it"))
    last = found[-1][1]
    if head.seq < last.seq:
        return AnchorResult(False, len(found), last, bad_seq=head.seq + 1, reason=(
            f"the head is at entry {head.seq}, before the last checkpoint's entry {last.seq} (entries removed)"))
    return AnchorResult(True, len(found), last, head.seq - last.seq)


def _hashes(session: Session, seqs: list[int]) -> dict[int, str]:
    stored = {0: GENESIS}
    for start in range(0, len(seqs), _LOOKUP_BATCH):
        chunk = seqs[start:start + _LOOKUP_BATCH]
        rows = session.execute(select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq.in_(chunk)))
        stored.update({seq: digest for seq, digest in rows})
    return stored

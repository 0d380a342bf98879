"""National algorithms through `cryptography`: SM3 digests and keyed digests."""

from __future__ import annotations

import base64
import hmac as _hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hmac as _chmac


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = _chmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def constant_time_equal(a: str, b: str) -> bool:
    return _hmac.compare_digest(a.encode(), b.encode())


# --- field encryption: SM4-GCM under a key derived from the platform secret ------------------------

_FIELD_PREFIX = "sm4gcm:v1:"


def derive_key(secret: str, purpose: str, length: int = 16) -> bytes:
    """A key for one purpose, derived from the platform secret with HKDF-SM3."""
    return HKDF(algorithm=hashes.SM3(), length=length, salt=b"govdata", info=purpose.encode()).derive(
        secret.encode("utf-8"))


def encrypt_field(secret: str, plaintext: str, context: str) -> str:
    """Encrypt a value for storage. ``context`` (e.g. "system_secret:42") is bound as associated data, so a
    ciphertext copied to another row does not decrypt."""
    key = derive_key(secret, "field-encryption")
    nonce = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(context.encode())
    body = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
    return _FIELD_PREFIX + base64.b64encode(nonce + body + encryptor.tag).decode("ascii")


def decrypt_field(secret: str, stored: str, context: str) -> str:
    if not stored.startswith(_FIELD_PREFIX):
        raise ValueError("not an encrypted field")
    raw = base64.b64decode(stored[len(_FIELD_PREFIX):])
    nonce, body, tag = raw[:12], raw[12:-16], raw[-16:]
    decryptor = Cipher(algorithms.SM4(derive_key(secret, "field-encryption")), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(context.encode())
    return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")

"""AppKey + HMAC-SM3 request signing (pure functions, no database access).

Registered business systems call the govdata API with four headers:

* ``X-App-Key``   — the AppKey issued to the business system;
* ``X-Timestamp`` — Unix time in milliseconds, as a decimal string;
* ``X-Nonce``     — 16–64 characters of ``[A-Za-z0-9_-]``, never reused within the replay window;
* ``X-Signature`` — ``Base64(HMAC-SM3(app_secret as UTF-8, canonical string))``.

The canonical string is six lines joined by ``"\\n"`` (no trailing newline)::

    METHOD                      upper-case HTTP method
    /path/as/sent               percent-encoded, as on the request line, without the query
    a=0&a=1&b=2                 canonical query (see canonical_query), "" when there is none
    <sm3 hex of the raw body>   lower-case hex; SM3 of b"" when there is no body
    <timestamp>                 the X-Timestamp value
    <nonce>                     the X-Nonce value

See ``docs/api-signing.md`` for the integrator-facing description and a worked example.
"""

from __future__ import annotations

import base64
import hmac as _std_hmac
import re
import secrets
import time
from typing import Final
from urllib.parse import quote, unquote_to_bytes

from govdata.core.crypto import hmac_sm3, sm3_hex

__all__ = [
    "HEADER_APP_KEY",
    "HEADER_END_USER",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "MAX_SKEW_MS",
    "NONCE_MAX_LEN",
    "NONCE_MIN_LEN",
    "canonical_query",
    "canonical_string",
    "check_nonce_format",
    "check_timestamp",
    "generate_nonce",
    "now_ms",
    "sign",
    "signed_headers",
    "sm3_hex",
    "verify",
]

# --- header names -------------------------------------------------------------------------------
HEADER_APP_KEY: Final = "X-App-Key"
HEADER_TIMESTAMP: Final = "X-Timestamp"
HEADER_NONCE: Final = "X-Nonce"
HEADER_SIGNATURE: Final = "X-Signature"
#: Optional, set by the calling system to name the end user it acts for. NOT covered by the signature.
HEADER_END_USER: Final = "X-End-User"

# --- replay window ------------------------------------------------------------------------------
#: Maximum allowed distance (either direction) between X-Timestamp and the server clock.
MAX_SKEW_MS: Final = 5 * 60 * 1000
NONCE_MIN_LEN: Final = 16
NONCE_MAX_LEN: Final = 64

# --- error codes (the ``code`` member of the problem+json body) ---------------------------------
# 401
ERR_SIGNATURE_MISSING: Final = "signature_missing"
ERR_SIGNATURE_INVALID: Final = "signature_invalid"
ERR_APP_KEY_UNKNOWN: Final = "app_key_unknown"
ERR_APP_KEY_REVOKED: Final = "app_key_revoked"
ERR_TIMESTAMP_INVALID: Final = "timestamp_invalid"
ERR_TIMESTAMP_SKEWED: Final = "timestamp_skewed"
ERR_NONCE_INVALID: Final = "nonce_invalid"
ERR_NONCE_REUSED: Final = "nonce_reused"
# 403
ERR_SYSTEM_NOT_APPROVED: Final = "system_not_approved"
ERR_SYSTEM_ASSESSMENT_EXPIRED: Final = "system_assessment_expired"

_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{%d,%d}" % (NONCE_MIN_LEN, NONCE_MAX_LEN), re.ASCII)
# Up to 16 ASCII digits: plenty for millisecond timestamps, and bounds int() parsing.
_TIMESTAMP_RE = re.compile(r"[0-9]{1,16}", re.ASCII)
# RFC 3986 unreserved characters are left as-is, everything else is %XX (upper-case hex).
_UNRESERVED = "-_.~"


def _decode_component(raw: str) -> bytes:
    # application/x-www-form-urlencoded decoding, kept as bytes so that no input is lossy:
    # "+" means space, %XX is a byte. Invalid UTF-8 is preserved byte-for-byte.
    return unquote_to_bytes(raw.replace("+", " "))


def canonical_query(query: str) -> str:
    """Canonical form of a raw query string (the part after ``?``, without the ``?``).

    Each ``&``-separated pair is split at the first ``=`` (a pair without ``=`` has an empty value),
    key and value are decoded (``+`` is a space, ``%XX`` a byte), the pairs are sorted by key and
    then by value (byte order of the UTF-8 encoding, which equals Unicode code-point order), and each
    part is re-encoded with RFC 3986 percent-encoding (only ``A-Z a-z 0-9 - _ . ~`` stay literal,
    hex digits upper-case). Empty segments (``a=1&&b=2``) are ignored. Returns ``""`` for no pairs.

    >>> canonical_query("b=2&a=1&a=0")
    'a=0&a=1&b=2'
    >>> canonical_query("q=hello+world&name=%E5%BC%A0%E4%B8%89")
    'name=%E5%BC%A0%E4%B8%89&q=hello%20world'
    """
    if query.startswith("?"):
        query = query[1:]
    pairs: list[tuple[bytes, bytes]] = []
    for segment in query.split("&"):
        if not segment:
            continue
        key, _, value = segment.partition("=")
        pairs.append((_decode_component(key), _decode_component(value)))
    pairs.sort()
    return "&".join(f"{quote(k, safe=_UNRESERVED)}={quote(v, safe=_UNRESERVED)}" for k, v in pairs)


def canonical_string(
    method: str, path: str, query: str, body: bytes | None, timestamp: str, nonce: str
) -> str:
    """Build the canonical string that is signed.

    ``path`` is the request path exactly as sent (percent-encoded, no query); ``query`` is the raw
    query string (it is canonicalised here); ``body`` is the raw request body (``None`` = empty).
    """
    if "?" in path:
        raise ValueError("path must not contain the query string; pass it as `query`")
    parts = [method.upper(), path, canonical_query(query), sm3_hex(body or b""), timestamp, nonce]
    for part in parts:
        if "\n" in part or "\r" in part:
            raise ValueError("canonical string components must not contain line breaks")
    return "\n".join(parts)


def sign(secret: str, canonical: str) -> str:
    """``Base64(HMAC-SM3(secret as UTF-8, canonical as UTF-8))`` with standard alphabet and padding."""
    return base64.b64encode(hmac_sm3(secret.encode("utf-8"), canonical.encode("utf-8"))).decode("ascii")


def verify(secret: str, canonical: str, signature: str) -> bool:
    """Constant-time check that ``signature`` is the signature of ``canonical`` under ``secret``.

    The comparison is against the canonical Base64 form (standard alphabet, with padding).
    """
    if not isinstance(signature, str):
        return False
    expected = sign(secret, canonical).encode("ascii")
    return _std_hmac.compare_digest(expected, signature.encode("utf-8", "surrogatepass"))


def check_timestamp(ts: str, now_ms: int) -> str | None:
    """Validate an ``X-Timestamp`` value against the server clock ``now_ms``.

    Returns ``"timestamp_invalid"`` if ``ts`` is not a decimal string of ASCII digits,
    ``"timestamp_skewed"`` if it is more than :data:`MAX_SKEW_MS` away from ``now_ms`` in either
    direction, else ``None``.
    """
    if not isinstance(ts, str) or not _TIMESTAMP_RE.fullmatch(ts):
        return ERR_TIMESTAMP_INVALID
    if abs(int(ts) - now_ms) > MAX_SKEW_MS:
        return ERR_TIMESTAMP_SKEWED
    return None


def check_nonce_format(nonce: str) -> bool:
    """True if ``nonce`` is 16–64 characters of ``[A-Za-z0-9_-]``."""
    return isinstance(nonce, str) and _NONCE_RE.fullmatch(nonce) is not None


def now_ms() -> int:
    """Current Unix time in milliseconds."""
    return time.time_ns() // 1_000_000


def generate_nonce() -> str:
    """A fresh random nonce (32 URL-safe characters, 192 bits of entropy)."""
    return secrets.token_urlsafe(24)


def signed_headers(
    app_key: str,
    app_secret: str,
    method: str,
    url_path: str,
    query: str,
    body: bytes | None,
    *,
    timestamp: str | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Return the four authentication headers for one request.

    ``timestamp`` defaults to the current time and ``nonce`` to a fresh random value; pass them only
    for tests or reproducible examples. A nonce must never be reused within the replay window.
    """
    if timestamp is None:
        timestamp = str(now_ms())
    elif not _TIMESTAMP_RE.fullmatch(timestamp):
        raise ValueError("timestamp must be Unix milliseconds as a decimal string")
    if nonce is None:
        nonce = generate_nonce()
    elif not check_nonce_format(nonce):
        raise ValueError("nonce must be 16-64 characters of [A-Za-z0-9_-]")
    canonical = canonical_string(method, url_path, query, body, timestamp, nonce)
    return {
        HEADER_APP_KEY: app_key,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: sign(app_secret, canonical),
    }

"""Tests for AppKey + HMAC-SM3 request signing and the signing HTTP client."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from govdata.client import Client, SM3Auth
from govdata.core import signing
from govdata.core.signing import (
    HEADER_APP_KEY,
    HEADER_END_USER,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    MAX_SKEW_MS,
    canonical_query,
    canonical_string,
    check_nonce_format,
    check_timestamp,
    sign,
    signed_headers,
    sm3_hex,
    verify,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "api-signing.md"

# Worked example inputs (docs/api-signing.md, "Worked example").
EX_APP_KEY = "ak_demo_0001"
EX_SECRET = "sk_demo_secret_0001"
EX_METHOD = "POST"
EX_PATH = "/api/v1/datasets/ABC/records"
EX_QUERY = "b=2&a=1&a=0"
EX_BODY = b'[{"id":"1"}]'
EX_TS = "1767225600000"
EX_NONCE = "n0nce-0001-demo0"
# Expected outputs; also asserted to be the values printed in the doc.
EX_BODY_SM3 = "e5c2e64820e794abc60309df2d4886cc09983f59367425f6d12f604b99ed9ba2"
EX_SIGNATURE = "nf/Y8SqcvtA+Fn4ojN3lWCZxV1YVaVG5cos7B9aOz6s="


def _doc_block(marker: str) -> str:
    """The fenced code block that follows ``<!-- worked-example:<marker> -->`` in the doc."""
    text = DOC.read_text(encoding="utf-8")
    m = re.search(rf"<!-- worked-example:{re.escape(marker)} -->\s*```text\n(.*?)\n```", text, re.S)
    assert m, f"marker {marker!r} not found in {DOC}"
    return m.group(1)


def _example_canonical() -> str:
    return canonical_string(EX_METHOD, EX_PATH, EX_QUERY, EX_BODY, EX_TS, EX_NONCE)


# --- SM3 ----------------------------------------------------------------------------------------


def test_sm3_standard_vector_abc():
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm3_standard_vector_64_bytes():
    # GB/T 32905-2016 example 2: "abcd" repeated 16 times.
    assert sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_sm3_empty_matches_doc():
    empty = sm3_hex(b"")
    assert empty == "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"
    assert empty in DOC.read_text(encoding="utf-8")


# --- worked example (doc and code must agree) ---------------------------------------------------


def test_worked_example_body_hash_matches_doc():
    assert sm3_hex(EX_BODY) == EX_BODY_SM3
    assert _doc_block("body-sm3") == EX_BODY_SM3


def test_worked_example_canonical_string_matches_doc():
    canonical = _example_canonical()
    assert canonical == "\n".join(
        ["POST", "/api/v1/datasets/ABC/records", "a=0&a=1&b=2", EX_BODY_SM3, EX_TS, EX_NONCE]
    )
    assert not canonical.endswith("\n")
    assert _doc_block("canonical") == canonical


def test_worked_example_signature_matches_doc():
    assert sign(EX_SECRET, _example_canonical()) == EX_SIGNATURE
    assert _doc_block("signature") == EX_SIGNATURE
    # Every place the doc quotes the signature shows the same value.
    text = DOC.read_text(encoding="utf-8")
    assert text.count(EX_SIGNATURE) >= 4
    for literal in (EX_APP_KEY, EX_SECRET, EX_TS, EX_NONCE, EX_BODY.decode()):
        assert literal in text


def test_worked_example_inputs_are_valid():
    assert check_nonce_format(EX_NONCE)
    assert check_timestamp(EX_TS, int(EX_TS)) is None


def test_worked_example_signed_headers():
    headers = signed_headers(
        EX_APP_KEY, EX_SECRET, EX_METHOD, EX_PATH, EX_QUERY, EX_BODY, timestamp=EX_TS, nonce=EX_NONCE
    )
    assert headers == {
        HEADER_APP_KEY: EX_APP_KEY,
        HEADER_TIMESTAMP: EX_TS,
        HEADER_NONCE: EX_NONCE,
        HEADER_SIGNATURE: EX_SIGNATURE,
    }


def test_header_names():
    assert (HEADER_APP_KEY, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE, HEADER_END_USER) == (
        "X-App-Key",
        "X-Timestamp",
        "X-Nonce",
        "X-Signature",
        "X-End-User",
    )
    assert MAX_SKEW_MS == 300_000


def test_error_codes_documented():
    text = DOC.read_text(encoding="utf-8")
    codes = [v for k, v in vars(signing).items() if k.startswith("ERR_")]
    assert len(codes) == 10
    for code in codes:
        assert f"`{code}`" in text


# --- canonical query ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("?", ""),
        ("b=2&a=1&a=0", "a=0&a=1&b=2"),
        ("?b=2&a=1", "a=1&b=2"),
        # repeated keys: all kept, ordered by value
        ("k=3&k=1&k=2&k=1", "k=1&k=1&k=2&k=3"),
        # unicode key and value (名称=张三), raw or percent-encoded, give the same result
        ("名称=张三", "%E5%90%8D%E7%A7%B0=%E5%BC%A0%E4%B8%89"),
        ("%E5%90%8D%E7%A7%B0=%E5%BC%A0%E4%B8%89", "%E5%90%8D%E7%A7%B0=%E5%BC%A0%E4%B8%89"),
        ("%e5%90%8d%e7%a7%b0=%e5%bc%a0%e4%b8%89", "%E5%90%8D%E7%A7%B0=%E5%BC%A0%E4%B8%89"),
        # spaces: "+" and "%20" both mean space, canonical is %20
        ("q=hello+world", "q=hello%20world"),
        ("q=hello%20world", "q=hello%20world"),
        ("q=a%2Bb", "q=a%2Bb"),  # a literal plus stays a plus
        # empty values, missing "=", empty segments
        ("a=&b", "a=&b="),
        ("flag&a=1", "a=1&flag="),
        ("a=1&&b=2&", "a=1&b=2"),
        ("=v", "=v"),
        # only the first "=" splits
        ("x=a=b", "x=a%3Db"),
        # RFC 3986: unreserved literal, everything else encoded with upper-case hex
        ("u=-_.~", "u=-_.~"),
        ("x=%7e", "x=~"),
        ("p=a/b:c", "p=a%2Fb%3Ac"),
        ("e=%26%3D", "e=%26%3D"),
        # sorted by key first, then value; byte order ("B" < "a" < "b")
        ("b=1&a=2&B=3", "B=3&a=2&b=1"),
        ("a=2&ab=1&a=10", "a=10&a=2&ab=1"),
    ],
)
def test_canonical_query(raw, expected):
    assert canonical_query(raw) == expected


def test_canonical_query_sorts_after_decoding():
    # "%41" decodes to "A", which sorts before "B" even though "%" < "B" < "b" in the raw form.
    assert canonical_query("B=1&%41=2") == "A=2&B=1"


def test_canonical_query_invalid_utf8_is_not_lossy():
    # Two different invalid byte sequences must not collapse to the same canonical form.
    assert canonical_query("x=%FF") == "x=%FF"
    assert canonical_query("x=%FE") == "x=%FE"


def test_canonical_query_unicode_code_point_order():
    # U+FF21 (EF BC A1) sorts before U+1F600 (F0 9F 98 80) in code-point and UTF-8 byte order.
    assert canonical_query("k=😀&k=Ａ") == "k=%EF%BC%A1&k=%F0%9F%98%80"


def test_canonical_query_matches_httpx_encoding():
    params = [("名称", "张 三"), ("a", "x+y"), ("a", ""), ("z", "~/")]
    raw = httpx.Request("GET", "http://h/p", params=params).url.query.decode()
    assert canonical_query(raw) == "a=&a=x%2By&z=~%2F&%E5%90%8D%E7%A7%B0=%E5%BC%A0%20%E4%B8%89"


# --- canonical string ---------------------------------------------------------------------------


def test_canonical_string_no_body_and_no_query():
    c = canonical_string("get", "/api/v1/datasets", "", None, "1", "n" * 16)
    assert c == "\n".join(["GET", "/api/v1/datasets", "", sm3_hex(b""), "1", "n" * 16])
    assert canonical_string("GET", "/api/v1/datasets", "", b"", "1", "n" * 16) == c


def test_canonical_string_path_is_kept_verbatim():
    c = canonical_string("GET", "/api/v1/datasets/%E4%BA%BA%E5%8F%A3/a%20b", "", b"", "1", "n" * 16)
    assert c.split("\n")[1] == "/api/v1/datasets/%E4%BA%BA%E5%8F%A3/a%20b"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"path": "/a?b=1"},
        {"path": "/a\nb"},
        {"timestamp": "1\n2"},
        {"nonce": "abc\r"},
        {"method": "GET\n"},
    ],
)
def test_canonical_string_rejects_ambiguous_components(kwargs):
    args = {"method": "GET", "path": "/a", "query": "", "body": b"", "timestamp": "1", "nonce": "n" * 16}
    args.update(kwargs)
    with pytest.raises(ValueError):
        canonical_string(**args)


# --- sign / verify / tamper detection -----------------------------------------------------------


def test_verify_roundtrip_and_wrong_secret():
    c = _example_canonical()
    assert verify(EX_SECRET, c, EX_SIGNATURE)
    assert not verify("sk_other", c, EX_SIGNATURE)
    assert not verify(EX_SECRET, c, "")
    assert not verify(EX_SECRET, c, EX_SIGNATURE.rstrip("="))  # non-canonical Base64
    assert not verify(EX_SECRET, c, EX_SIGNATURE + "\n")
    assert not verify(EX_SECRET, c, "签名")
    assert not verify(EX_SECRET, c, None)  # type: ignore[arg-type]


def test_secret_is_utf8():
    c = _example_canonical()
    assert verify("密钥", c, sign("密钥", c))
    assert sign("密钥", c) != sign("密", c)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("method", "PUT"),
        ("path", "/api/v1/datasets/ABD/records"),
        ("path", "/api/v1/datasets/ABC/records/"),
        ("query", "b=2&a=1&a=1"),
        ("query", "b=2&a=1"),
        ("query", ""),
        ("body", b'[{"id":"2"}]'),
        ("body", EX_BODY + b"\n"),
        ("body", b""),
        ("timestamp", "1767225600001"),
        ("nonce", "n0nce-0001-demo1"),
    ],
)
def test_tampering_changes_signature(field, value):
    args = {
        "method": EX_METHOD,
        "path": EX_PATH,
        "query": EX_QUERY,
        "body": EX_BODY,
        "timestamp": EX_TS,
        "nonce": EX_NONCE,
    }
    args[field] = value
    tampered = canonical_string(**args)
    assert tampered != _example_canonical()
    assert sign(EX_SECRET, tampered) != EX_SIGNATURE
    assert not verify(EX_SECRET, tampered, EX_SIGNATURE)


def test_query_order_does_not_change_signature():
    a = canonical_string(EX_METHOD, EX_PATH, "a=0&b=2&a=1", EX_BODY, EX_TS, EX_NONCE)
    assert sign(EX_SECRET, a) == EX_SIGNATURE


# --- timestamp / nonce checks -------------------------------------------------------------------


NOW = 1_767_225_600_000


@pytest.mark.parametrize(
    ("ts", "expected"),
    [
        (str(NOW), None),
        (str(NOW - MAX_SKEW_MS), None),
        (str(NOW + MAX_SKEW_MS), None),
        (str(NOW - MAX_SKEW_MS - 1), "timestamp_skewed"),
        (str(NOW + MAX_SKEW_MS + 1), "timestamp_skewed"),
        (str(NOW // 1000), "timestamp_skewed"),  # seconds instead of milliseconds
        ("0", "timestamp_skewed"),
        ("", "timestamp_invalid"),
        ("-1767225600000", "timestamp_invalid"),
        ("+1767225600000", "timestamp_invalid"),
        ("1767225600000.0", "timestamp_invalid"),
        (" 1767225600000", "timestamp_invalid"),
        ("1767225600000\n", "timestamp_invalid"),
        ("1_767_225_600_000", "timestamp_invalid"),
        ("１７６７２２５６００００", "timestamp_invalid"),  # full-width digits
        ("1e12", "timestamp_invalid"),
        ("9" * 400, "timestamp_invalid"),
        (None, "timestamp_invalid"),
    ],
)
def test_check_timestamp(ts, expected):
    assert check_timestamp(ts, NOW) == expected


@pytest.mark.parametrize(
    ("nonce", "ok"),
    [
        ("a" * 16, True),
        ("a" * 64, True),
        ("A-z_09" * 3, True),
        ("a" * 15, False),
        ("a" * 65, False),
        ("n0nce-0001-demo", False),  # 15 characters
        ("a" * 16 + "\n", False),
        ("a" * 15 + "=", False),
        ("a" * 15 + ".", False),
        ("a" * 15 + "é", False),
        ("", False),
        (None, False),
    ],
)
def test_check_nonce_format(nonce, ok):
    assert check_nonce_format(nonce) is ok


def test_signed_headers_defaults_are_fresh_and_valid():
    h1 = signed_headers("ak", "sk", "GET", "/p", "", None)
    h2 = signed_headers("ak", "sk", "GET", "/p", "", None)
    assert h1[HEADER_NONCE] != h2[HEADER_NONCE]
    for h in (h1, h2):
        assert check_nonce_format(h[HEADER_NONCE])
        assert check_timestamp(h[HEADER_TIMESTAMP], signing.now_ms()) is None
        c = canonical_string("GET", "/p", "", b"", h[HEADER_TIMESTAMP], h[HEADER_NONCE])
        assert verify("sk", c, h[HEADER_SIGNATURE])


@pytest.mark.parametrize(("timestamp", "nonce"), [("12a", None), (None, "short"), (None, "x" * 16 + "!")])
def test_signed_headers_rejects_bad_explicit_values(timestamp, nonce):
    with pytest.raises(ValueError):
        signed_headers("ak", "sk", "GET", "/p", "", None, timestamp=timestamp, nonce=nonce)


# --- client -------------------------------------------------------------------------------------


class _Capture:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json={"ok": True})


def _verify_request(request: httpx.Request, secret: str = EX_SECRET) -> bool:
    """Verify a captured request the way the server does: from the wire-level target and body."""
    raw_path, _, raw_query = request.url.raw_path.decode("ascii").partition("?")
    canonical = canonical_string(
        request.method,
        raw_path,
        raw_query,
        request.content,
        request.headers[HEADER_TIMESTAMP],
        request.headers[HEADER_NONCE],
    )
    return verify(secret, canonical, request.headers[HEADER_SIGNATURE])


def test_client_signs_post_with_query_and_json():
    cap = _Capture()
    with Client("https://govdata.test", EX_APP_KEY, EX_SECRET, transport=httpx.MockTransport(cap)) as gd:
        r = gd.post(
            "/api/v1/datasets/ABC/records",
            params=[("b", "2"), ("a", "1"), ("a", "0"), ("名称", "张 三")],
            json=[{"id": "1", "名称": "张三"}],
        )
    assert isinstance(r, httpx.Response)
    assert r.json() == {"ok": True}
    (req,) = cap.requests
    assert req.headers[HEADER_APP_KEY] == EX_APP_KEY
    assert check_nonce_format(req.headers[HEADER_NONCE])
    assert check_timestamp(req.headers[HEADER_TIMESTAMP], signing.now_ms()) is None
    assert HEADER_END_USER not in req.headers
    assert _verify_request(req)
    assert not _verify_request(req, secret="sk_wrong")


def test_client_signature_matches_worked_example_when_time_and_nonce_fixed(monkeypatch):
    monkeypatch.setattr(signing, "now_ms", lambda: int(EX_TS))
    monkeypatch.setattr(signing, "generate_nonce", lambda: EX_NONCE)
    cap = _Capture()
    with Client("https://govdata.test", EX_APP_KEY, EX_SECRET, transport=httpx.MockTransport(cap)) as gd:
        gd.post(
            "/api/v1/datasets/ABC/records?b=2&a=1&a=0",
            content=EX_BODY,
            headers={"Content-Type": "application/json"},
        )
    (req,) = cap.requests
    assert req.url.raw_path == b"/api/v1/datasets/ABC/records?b=2&a=1&a=0"
    assert req.headers[HEADER_TIMESTAMP] == EX_TS
    assert req.headers[HEADER_NONCE] == EX_NONCE
    assert req.headers[HEADER_SIGNATURE] == EX_SIGNATURE


def test_client_base_url_path_and_encoded_path_segments():
    cap = _Capture()
    with Client("https://govdata.test/gw/", EX_APP_KEY, EX_SECRET, transport=httpx.MockTransport(cap)) as gd:
        gd.get("api/v1/datasets/人口/records")
        gd.delete("/api/v1/datasets/a b")
    get, delete = cap.requests
    assert get.url.raw_path == b"/gw/api/v1/datasets/%E4%BA%BA%E5%8F%A3/records"
    assert delete.url.raw_path == b"/gw/api/v1/datasets/a%20b"
    assert get.content == b"" and delete.content == b""
    assert _verify_request(get) and _verify_request(delete)


def test_client_each_request_gets_fresh_nonce():
    cap = _Capture()
    with Client("https://govdata.test", EX_APP_KEY, EX_SECRET, transport=httpx.MockTransport(cap)) as gd:
        for _ in range(3):
            gd.get("/api/v1/ping")
    nonces = {req.headers[HEADER_NONCE] for req in cap.requests}
    assert len(nonces) == 3
    assert all(_verify_request(req) for req in cap.requests)


def test_client_signs_streamed_body():
    cap = _Capture()

    def chunks():
        yield b'[{"id":'
        yield b'"1"}]'

    with Client("https://govdata.test", EX_APP_KEY, EX_SECRET, transport=httpx.MockTransport(cap)) as gd:
        gd.post("/api/v1/datasets/ABC/records", content=chunks())
    (req,) = cap.requests
    assert req.content == EX_BODY
    assert _verify_request(req)


def test_client_end_user_header():
    cap = _Capture()
    transport = httpx.MockTransport(cap)
    with Client(
        "https://govdata.test", EX_APP_KEY, EX_SECRET, end_user="zhangsan01", transport=transport
    ) as gd:
        gd.get("/api/v1/datasets")
        gd.get("/api/v1/datasets", headers={HEADER_END_USER: "lisi02"})
    assert [r.headers[HEADER_END_USER] for r in cap.requests] == ["zhangsan01", "lisi02"]
    assert all(_verify_request(r) for r in cap.requests)


def test_client_percent_encodes_a_utf8_end_user_and_refuses_auth_kwarg():
    cap = _Capture()
    with Client("https://govdata.test", EX_APP_KEY, EX_SECRET, end_user="张三", transport=httpx.MockTransport(cap)) \
            as gd:
        gd.get("/api/v1/datasets")
    assert cap.requests[0].headers[HEADER_END_USER] == "%E5%BC%A0%E4%B8%89"
    for bad in ("", "长" * 65):
        with pytest.raises(ValueError):
            Client("https://govdata.test", EX_APP_KEY, EX_SECRET, end_user=bad)
    with pytest.raises(TypeError):
        Client("https://govdata.test", EX_APP_KEY, EX_SECRET, auth=("u", "p"))


def test_sm3auth_with_plain_httpx_client():
    cap = _Capture()
    auth = SM3Auth(EX_APP_KEY, EX_SECRET)
    assert EX_SECRET not in repr(auth)
    with httpx.Client(transport=httpx.MockTransport(cap), auth=auth) as http:
        http.put("https://govdata.test/api/v1/datasets/ABC?x=1", content=json.dumps({"a": 1}).encode())
    (req,) = cap.requests
    assert req.headers[HEADER_APP_KEY] == EX_APP_KEY
    assert _verify_request(req)


async def _async_roundtrip(cap: _Capture) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return cap(request)

    async with httpx.AsyncClient(
        transport=httpx.MockTransport(handler), auth=SM3Auth(EX_APP_KEY, EX_SECRET)
    ) as http:
        await http.post("https://govdata.test/api/v1/x?b=1&a=2", content=EX_BODY)


def test_sm3auth_with_async_client():
    import asyncio

    cap = _Capture()
    asyncio.run(_async_roundtrip(cap))
    (req,) = cap.requests
    assert _verify_request(req)

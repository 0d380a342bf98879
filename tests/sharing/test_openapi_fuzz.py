"""Schemathesis over the whole OpenAPI document: no GET operation answers a valid or an invalid request
with a server error. Bounded: a few examples per operation and generation mode. Reads run as the platform
administrator (who sees the most); the data service API is called signed by a consumer system with grants of
every access method, on a real shared resource. Write operations are left to their own tests: fuzzing
them would, among other things, point database pulls at generated host names."""

from __future__ import annotations

import json
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.conftest import bearer
from tests.sharing.grants import make_grant

EXAMPLES = 3  # per operation and generation mode


def _query(params: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Generated query values as strings (an invalid case may hold objects or nested lists)."""
    def text(value: Any) -> str:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    pairs: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        values = value if isinstance(value, list) else [value]
        pairs += [(str(key), text(v)) for v in values]
    return pairs


def _send(client: Any, case: Any, headers: dict[str, str], auth: httpx.Auth | None) -> str | None:
    """Send one generated case; a description of the server error, or None."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    try:
        sent = {**{k: str(v) for k, v in kwargs["headers"].items()}, **headers}
        request = client.build_request(kwargs["method"], kwargs["url"], params=_query(kwargs.get("params")),
                                       headers=sent)
    except (httpx.InvalidURL, UnicodeError, ValueError, TypeError):
        return None  # a request no HTTP client could send never reaches the server
    try:
        response = client.send(request, auth=auth)
    except Exception as exc:  # noqa: BLE001 — the test client re-raises what the app left unhandled
        return f"{case.operation.label} {request.url} -> {type(exc).__name__}: {exc}"[:400]
    if response.status_code >= 500:
        return f"{case.operation.label} {request.url} -> {response.status_code} {response.text[:200]}"
    return None


def test_no_get_operation_answers_with_a_server_error(shared):
    client = shared.client
    for method in ("api", "table", "file"):
        make_grant(shared, access_method=method, masking={"name": "name"})
    admin = bearer(client, "admin")
    schema = schemathesis.openapi.from_dict(client.app.openapi())
    operations = [result.ok() for result in schema.get_all_operations()]
    reads = [op for op in operations if op.method.upper() == "GET"]
    assert any(op.path.startswith("/api/v1/share/") for op in reads) and len(reads) > 40

    failures: list[str] = []
    for operation in reads:
        signed = operation.path.startswith("/api/v1/share/")
        auth = shared.consumer["auth"] if signed else None
        headers = {} if signed else admin
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if signed:  # on the shared resource, so the call gets past the grant to the data
                strategy = operation.as_strategy(mode, path_parameters={"code": shared.code})
            else:
                strategy = operation.as_strategy(mode)

            @settings(max_examples=EXAMPLES, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(strategy)
            def probe(case: Any) -> None:
                failure = _send(client, case, headers, auth)
                if failure:
                    failures.append(failure)

            try:
                probe()
            except Unsatisfiable:  # no parameter to get wrong: nothing negative to generate
                assert mode is GenerationMode.NEGATIVE, operation.label
    assert not failures, "\n".join(dict.fromkeys(failures))

"""HTTP client for business systems calling the govdata API (AppKey + HMAC-SM3 signing).

Usage::

    from govdata.client import Client

    with Client("https://govdata.example.gov.cn", "ak_demo_0001", "sk_demo_secret_0001",
                end_user="zhangsan01", timeout=10.0) as gd:
        r = gd.post("/api/v1/datasets/ABC/records", params={"a": "1"}, json=[{"id": "1"}])
        r.raise_for_status()
        print(r.json())

If you already have your own ``httpx.Client`` (or ``httpx.AsyncClient``), attach only the signer::

    import httpx
    from govdata.client import SM3Auth

    http = httpx.Client(base_url="https://govdata.example.gov.cn",
                        auth=SM3Auth("ak_demo_0001", "sk_demo_secret_0001"))

Every request gets a fresh timestamp and nonce. Redirects are not re-signed: keep
``follow_redirects`` at its default (``False``). The protocol is described in ``docs/api-signing.md``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from urllib.parse import quote

import httpx

from govdata.core.signing import HEADER_END_USER, signed_headers

__all__ = ["Client", "SM3Auth"]


class SM3Auth(httpx.Auth):
    """httpx authentication flow that signs each request with AppKey + HMAC-SM3.

    The signature covers the method, the path exactly as sent on the request line, the query
    string, the SM3 of the body, the timestamp and the nonce (see ``govdata.core.signing``).

    >>> import httpx
    >>> http = httpx.Client(auth=SM3Auth("ak_demo_0001", "sk_demo_secret_0001"))
    """

    requires_request_body = True

    def __init__(self, app_key: str, app_secret: str) -> None:
        if not app_key or not app_secret:
            raise ValueError("app_key and app_secret are required")
        self.app_key = app_key
        self._app_secret = app_secret

    def __repr__(self) -> str:  # never show the secret
        return f"SM3Auth(app_key={self.app_key!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raw_path, _, raw_query = request.url.raw_path.partition(b"?")
        headers = signed_headers(
            self.app_key,
            self._app_secret,
            request.method,
            raw_path.decode("ascii"),
            raw_query.decode("ascii"),
            request.content,
        )
        request.headers.update(headers)
        yield request


class Client(httpx.Client):
    """``httpx.Client`` whose every request is signed for the govdata API.

    :param base_url: the govdata server, e.g. ``"https://govdata.example.gov.cn"``.
    :param app_key: the AppKey issued to your registered business system.
    :param app_secret: the matching secret; keep it out of source control and logs.
    :param end_user: optional identifier of the end user the system acts for, sent as
        ``X-End-User`` on every request, percent-encoded as UTF-8 (so ``"张三"`` goes as
        ``%E5%BC%A0%E4%B8%89``; at most 64 characters). Override per request with
        ``headers={"X-End-User": quote(...)}``. This header is not covered by the signature.
    :param kwargs: passed to ``httpx.Client`` (``timeout``, ``verify``, ``headers``, ...), except
        ``auth``, which this class sets.

    Methods (``get``, ``post``, ``request``, ``stream``, ...) return ``httpx.Response`` as usual::

        with Client("https://govdata.example.gov.cn", "ak_demo_0001", "sk_demo_secret_0001") as gd:
            r = gd.get("/api/v1/datasets", params={"page": 1})
            r.raise_for_status()
    """

    def __init__(
        self,
        base_url: str | httpx.URL,
        app_key: str,
        app_secret: str,
        *,
        end_user: str | None = None,
        **kwargs: Any,
    ) -> None:
        if "auth" in kwargs:
            raise TypeError("Client sets auth itself; use httpx.Client(auth=SM3Auth(...)) instead")
        super().__init__(base_url=base_url, auth=SM3Auth(app_key, app_secret), **kwargs)
        if end_user is not None:
            if not 0 < len(end_user) <= 64:
                raise ValueError("end_user must be 1 to 64 characters")
            self.headers[HEADER_END_USER] = quote(end_user, safe="")

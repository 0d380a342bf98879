"""End-to-end fixtures: the app served by uvicorn in a background thread, and a headless Chromium.

Every test gets its own copy of the demo city database and its own browser context (fresh cookies).
The browser is the system Chromium (``GOVDATA_TEST_CHROMIUM``, default ``/usr/bin/chromium``): when it is
missing the tests are skipped locally, but fail when the variable is set (CI sets it, so a broken image
cannot turn the suite into a silent skip).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from govdata.app import create_app
from govdata.config import Settings

CHROMIUM_ENV = "GOVDATA_TEST_CHROMIUM"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 10_000
START_TIMEOUT_S = 10.0


@pytest.fixture
def live_server(_templates: dict[str, Any], tmp_path: Path) -> Iterator[str]:
    """The app on a free local port, over a private copy of the demo database; yields the base URL."""
    path = tmp_path / "govdata.db"
    shutil.copy(_templates["sqlite"]["demo"], path)
    app = create_app(Settings(home=tmp_path / "home", database_url=f"sqlite:///{path}", secret_key="e2e"))

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # the socket is handed to uvicorn: no race for the port
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(START_TIMEOUT_S)
            sock.close()
            pytest.fail(f"uvicorn did not start within {START_TIMEOUT_S:.0f} s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(START_TIMEOUT_S)
        sock.close()
        app.state.engine.dispose()
        assert not thread.is_alive(), "uvicorn did not stop"


def _chromium_path() -> str:
    path = os.environ.get(CHROMIUM_ENV, "/usr/bin/chromium")
    if not Path(path).is_file():
        if os.environ.get(CHROMIUM_ENV):
            pytest.fail(f"{CHROMIUM_ENV}={path} does not exist: the e2e tests need a Chromium binary")
        pytest.skip(f"no Chromium at {path} (set {CHROMIUM_ENV} to run the browser tests)")
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = _chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS,
                                      timeout=30_000)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser context (no cookies) whose relative URLs resolve against the live server."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(locale="zh-CN", base_url=live_server, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()

"""Real-browser tests: the session's test app served over HTTP on 127.0.0.1 (a werkzeug server in a thread), driven
by Debian's Chromium through Playwright. One browser per session, a new context (cookies, viewport) per test.

Without Chromium the tests are skipped, unless REQUIRE_BROWSER_TESTS=1 (CI), where that is a failure. Screenshots
go to $SCREENSHOT_DIR, by default test-artifacts/screenshots/ in the repository."""
from __future__ import annotations

import logging
import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/lib/chromium/chromium")
REPO = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
# Chromium logs every 4xx answer to the console; a refused form (422) is an expected page, 5xx are caught apart.
EXPECTED_CONSOLE = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        pytest.fail(f"{reason}, and REQUIRE_BROWSER_TESTS=1 requires the browser tests to run", pytrace=False)
    pytest.skip(f"{reason}: browser tests skipped (apt-get install chromium; "
                "REQUIRE_BROWSER_TESTS=1 makes this a failure)")


@pytest.fixture(scope="session")
def chromium():
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("The playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _server(app):
    """The session's app on a free port of 127.0.0.1, in a background thread, stopped at the end of the session."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def live_server(_server, app, demo_data, today):
    """The base URL of the live app, on fresh demo data with the calendar pinned to 05/01/2026 (`today`).

    The test config keeps the production default of Secure cookies, which a browser drops over plain http: only
    while a browser test runs, the cookies are not Secure. (The database is a file SQLite, or PostgreSQL, shared
    with the server's threads; background tasks run inline, as in the other tests.)"""
    keys = ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE")
    saved = {key: app.config.get(key) for key in keys}
    app.config.update({key: False for key in keys})
    yield _server
    app.config.update(saved)


@pytest.fixture
def new_context(chromium, live_server):
    """Makes browser contexts (one per user) on the live app; each collects server errors (5xx) and page errors
    (JavaScript exceptions, console errors such as CSP refusals), which fail the test at its end."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    contexts, problems = [], []

    def make(viewport=DESKTOP, **options):
        context = chromium.new_context(base_url=live_server, viewport=viewport, locale="vi-VN",
                                       timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("response", lambda r: r.status >= 500
                   and problems.append(f"HTTP {r.status} {r.request.method} {r.url}"))
        context.on("console", lambda m: m.type == "error" and not EXPECTED_CONSOLE.match(m.text)
                   and problems.append(f"console error: {m.text} ({m.location.get('url')})"))
        context.on("weberror", lambda e: problems.append(f"page error: {e.error}"))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not problems, "The browser met errors:\n" + "\n".join(problems)


@pytest.fixture
def login(new_context):
    """login("officer") -> a page of a new context, signed in through the login form, on the home page."""
    from playwright.sync_api import expect

    def sign_in(username, viewport=DESKTOP):
        page = new_context(viewport=viewport).new_page()
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/login"))
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill("demo")
        page.get_by_role("button", name="Đăng nhập", exact=True).click()
        expect(page.get_by_label("Mật khẩu")).to_have_count(0)  # the form is gone: signed in
        expect(page).to_have_url(re.compile(r"/$"))
        return page

    return sign_in


def screenshot_dir() -> Path:
    path = Path(os.environ.get("SCREENSHOT_DIR") or REPO / "test-artifacts" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def snap():
    """snap(page, "officer-home"): full-page screenshots at desktop (1280x900) and phone (390x844) size,
    <name>-desktop.png and <name>-phone.png; the page's own size is restored afterwards."""
    folder = screenshot_dir()

    def take(page, name):
        before = page.viewport_size
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True, animations="disabled")
        page.set_viewport_size(before)

    return take


"""The deployment of README "Deployment (several users)", for real: Debian's nginx running
deploy/nginx.conf (tests/helpers/proxy.py changes only addresses, ports and the
certificate) over HTTPS in front of two replicas (`streamlit run serve.py`) on a fresh
PostgreSQL database, with one cookie secret.

- Through the proxy, in Chromium: an officer signs in, a workbook over the size limit is
  refused with a clear message, a 3 MB workbook (over nginx's default body limit of 1 MB)
  is stored and, once published (a reviewer accepts it when the review before
  publication asks for that), shows on the Overview. The replica holding the browser is
  then stopped: the page reconnects to the other replica, asks the user to sign in again
  at the next click, and after signing in the stored workbook is still there.
- Without a browser: the security headers on a page, a static file, a 404, a 403, a 413
  and a 429; metrics and the agent API refused; the readiness route; a body over the
  limit refused; the rate limits answering 429 beyond their bursts; the client's address
  passed as X-Real-IP whatever the client sends.

Needs nginx, PostgreSQL (ECOCITY_TEST_DATABASE_URL) and, for the browser test, Chromium;
without them the tests skip, and fail on CI (ECOCITY_REQUIRE_BROWSER=1).

Screenshots: artifacts/screenshots/proxy-*.png
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers.devserver import SERVE, Server, ServerStartError, start_servers
from helpers.e2ehelp import no_error_on_screen, screenshot, sign_in, wait_for_app_run
from helpers.pghelp import postgres_or_skip
from helpers.proxy import DEPLOY_CONF, Proxy, ProxyError, limits, nginx_path, request, run_proxy
from playwright.sync_api import Browser, Page, expect

from ecocity.i18n import t

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
WORKBOOK = ROOT / "data" / "sample" / "2566_RIL.xlsx"
OFFICER, PASSWORD = "officer.ril", "proxy test password 42"
REVIEWER = "reviewer.e2e"
COOKIE_SECRET = "the same long random string on every replica, for the proxy test"
WAIT = 30_000
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000",
}


def _require(what: str) -> None:
    if os.environ.get("ECOCITY_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} (ECOCITY_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(what)


@pytest.fixture(scope="module")
def nginx() -> str:
    path = nginx_path()
    if path is None:
        _require("nginx not found (Debian: apt-get install nginx)")
    return path


@pytest.fixture(scope="module")
def proxy_db(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """(URL, estates in the registry) of a new PostgreSQL database with an RIL officer."""
    from sqlalchemy import func, select

    from ecocity.core.access import system
    from ecocity.store import models as m
    from ecocity.store.db import make_engine, session_scope
    from ecocity.store.schema import upgrade
    from ecocity.store.users import create_user

    pg = postgres_or_skip(request)
    url = pg.create()
    engine = make_engine(url)
    try:
        upgrade(engine)
        create_user(engine, system("e2e"), OFFICER, role="officer", display_name="RIL officer", estates=["RIL"],
                    password=PASSWORD)
        create_user(engine, system("e2e"), REVIEWER, role="admin", display_name="Reviewer", password=PASSWORD)
        with session_scope(engine) as s:
            total = s.scalar(select(func.count()).select_from(m.Estate))
    finally:
        engine.dispose()
    yield url, total
    pg.drop(url)


@pytest.fixture(scope="module")
def replicas(proxy_db, nginx, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    """Two replicas of serve.py on the database, configured as the README says."""
    from ecocity.io.fonts import publish_static_font

    publish_static_font()
    env = {"ECOCITY_DATABASE_URL": proxy_db[0], "ECOCITY_LANG": "th",
           "STREAMLIT_SERVER_COOKIE_SECRET": COOKIE_SECRET, "ECOCITY_CLIENT_IP_HEADER": "X-Real-IP"}
    tmp = tmp_path_factory.mktemp("proxy-replicas")
    try:
        with start_servers([env, env], [tmp / "a.log", tmp / "b.log"], script=SERVE) as servers:
            yield servers
    except ServerStartError as e:
        pytest.fail(str(e), pytrace=False)
    for server in servers:
        text = server.log_path.read_text(errors="replace")
        assert "Traceback" not in text, f"{server.log_path}:\n{text[-4000:]}"


def _address(server: Server) -> str:
    return server.url.removeprefix("http://")


@pytest.fixture
def proxy(replicas: list[Server], tmp_path: Path) -> Iterator[Proxy]:
    """nginx with deploy/nginx.conf before the replicas: a new one per test, so each test
    starts with full rate-limit allowances."""
    try:
        with run_proxy([_address(s) for s in replicas], tmp_path / "nginx") as p:
            yield p
    except ProxyError as e:
        pytest.fail(str(e), pytrace=False)


def _padded_workbook(folder: Path, mb: float) -> Path:
    """RIL's 2566 workbook with a picture of ``mb`` MB of noise: still a good workbook,
    larger than nginx's default body limit (1 MB)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(WORKBOOK) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        zout.writestr(zipfile.ZipInfo("xl/media/image1.png"), os.urandom(int(mb * 2**20)),
                      compress_type=zipfile.ZIP_STORED)
    path = folder / WORKBOOK.name
    path.write_bytes(buf.getvalue())
    return path


def _versions(db_url: str) -> list[tuple[int, str]]:
    from sqlalchemy import select

    from ecocity.store import models as m
    from ecocity.store.db import make_engine, session_scope

    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            return [tuple(r) for r in s.execute(
                select(m.Submission.version, m.Submission.created_by)
                .where(m.Submission.estate_code == "RIL", m.Submission.fiscal_year == 2566))]
    finally:
        engine.dispose()


def _publish(db_url: str) -> None:
    """An officer's upload may wait for a reviewer before the dashboards show it (the
    review before publication): then an administrator accepts it, as `ecocity review`."""
    from sqlalchemy import select

    from ecocity.cli import main
    from ecocity.store import models as m
    from ecocity.store.db import make_engine, session_scope

    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            published = s.scalar(select(m.Submission.is_current).where(
                m.Submission.estate_code == "RIL", m.Submission.fiscal_year == 2566, m.Submission.version == 1))
    finally:
        engine.dispose()
    if not published:
        assert main(["review", "RIL", "2566", "accept", "--as", REVIEWER, "--database-url", db_url]) == 0


def _estates_kpi(page: Page):
    """The Overview's card 'estates that submitted / estates' (the second KPI)."""
    return page.locator(".st-key-kpis [data-testid='stMetricValue']").nth(1)


def _wait_until(condition, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _go(page: Page, key: str) -> None:
    """Open a page from the sidebar (the browser session, and its sign-in, stay)."""
    page.locator(f"[data-testid='stSidebarNav'] a[href$='/{key}']").click()
    wait_for_app_run(page)


def _security_headers(answer, where: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert answer.header(name) == [value], f"{where}: {name} {answer.header(name)}"


def test_headers_refusals_readiness_and_body_limit(proxy: Proxy, replicas: list[Server]):
    page = request(f"{proxy.url}/")
    assert page.status == 200 and b"<html" in page.body.lower()
    _security_headers(page, "/")
    assert page.header("Server") == ["nginx"]  # no version
    font = request(f"{proxy.url}/app/static/NotoSansThai.ttf")  # the app also says nosniff: once
    assert font.status == 200 and font.header("Content-Type") == ["font/ttf"]
    _security_headers(font, "a static file")
    missing = request(f"{proxy.url}/app/static/no-such-file.png")
    assert missing.status == 404
    _security_headers(missing, "a 404")

    for path in ("/_stcore/metrics", "/_stcore//metrics", "/_stcore/%6detrics", "/_stcore/agent/openapi.json"):
        refused = request(f"{proxy.url}{path}")
        assert refused.status == 403, path
        _security_headers(refused, path)
    assert request(f"{replicas[0].url}/_stcore/metrics").status == 200  # the replica has it
    direct = request(f"{replicas[0].url}/")  # the app says them itself (make run), HSTS aside
    for name, value in SECURITY_HEADERS.items():
        assert direct.header(name) == ([] if name == "Strict-Transport-Security" else [value]), name

    ready = request(f"{proxy.url}/_ecocity/ready")
    assert ready.status == 200 and ready.header("Cache-Control") == ["no-store"]
    assert json.loads(ready.body)["ready"] is True
    for server in replicas:
        assert json.loads(request(f"{server.url}/_ecocity/ready").body)["ready"] is True

    redirect = request(f"{proxy.http_url}/upload")
    assert redirect.status == 301 and redirect.header("Location")[0].startswith("https://")

    # A body over client_max_body_size is refused by nginx before any replica reads it.
    body = request(f"{proxy.url}/_stcore/upload_file/session/file", method="PUT", body=b"x" * (13 * 2**20),
                   headers={"Content-Type": "application/octet-stream"})
    assert body.status == 413
    _security_headers(body, "a 413")


@pytest.mark.parametrize(("zone", "path", "method"), [
    ("ecocity_signin", "/_stcore/stream", "GET"),  # a new websocket begins as this GET
    ("ecocity_upload", "/_stcore/upload_file/session/file", "PUT"),
])
def test_rate_limits_answer_429_beyond_the_burst(proxy: Proxy, zone: str, path: str, method: str):
    per_minute, burst = limits(DEPLOY_CONF.read_text("utf-8"))[zone]
    body = b"x" if method == "PUT" else None
    start = time.monotonic()
    answers = [request(f"{proxy.url}{path}", method=method, body=body) for _ in range(burst + 30)]
    # Tokens come back at the zone's rate while the requests go out (slower on a busy machine).
    refilled = int((time.monotonic() - start) * per_minute / 60) + 1
    statuses = [a.status for a in answers]
    assert 429 not in statuses[:burst], statuses  # the burst passes (whatever the app answers)
    passed = sum(s != 429 for s in statuses)
    assert burst < passed <= burst + 1 + refilled, (passed, statuses)
    assert passed < len(statuses), statuses  # and beyond it: 429
    _security_headers(next(a for a in answers if a.status == 429), "a 429")
    if method == "PUT":  # only PUTs count: the rest of the endpoint is not limited
        assert request(f"{proxy.url}{path}").status != 429


class _Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = json.dumps(dict(self.headers.items())).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_the_proxy_passes_the_client_address_as_x_real_ip(nginx, tmp_path: Path):
    echo = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    address = f"127.0.0.1:{echo.server_address[1]}"
    try:
        with run_proxy([address, address], tmp_path / "nginx") as p:
            answer = request(f"{p.url}/anything", headers={"X-Real-IP": "203.0.113.9"})
    finally:
        echo.shutdown()
        echo.server_close()
    seen = {k.lower(): v for k, v in json.loads(answer.body).items()}
    assert seen["x-real-ip"] == "127.0.0.1"  # set by nginx, never taken from the client
    assert seen["host"] == p.url.removeprefix("https://")  # with its port, like the Origin
    assert seen["x-forwarded-proto"] == "https"


# Last in the file: it stops one of the module's two replicas.
def test_through_the_proxy_sign_in_upload_and_survive_a_replica_stopping(
        browser: Browser, browser_context_args: dict, proxy: Proxy, replicas: list[Server], proxy_db,
        tmp_path: Path):
    from ecocity.ui.widgets import uploader_texts

    db_url, total = proxy_db
    context = browser.new_context(**{**browser_context_args, "ignore_https_errors": True})
    page = context.new_page()
    try:
        sign_in(page, proxy.url, OFFICER, PASSWORD, next_page="upload")
        chooser = page.locator("[data-testid='stFileUploader'] input[type='file']")
        expect(chooser).to_be_enabled(timeout=WAIT)

        # Over the limit (10 MB): refused by the uploader itself, saying why.
        big = tmp_path / "too-big.xlsx"
        big.write_bytes(b"\0" * (11 * 2**20))
        chooser.set_input_files([str(big)])
        chip = page.locator("[data-testid='stFileChip'][aria-invalid='true']")
        expect(chip).to_be_visible(timeout=WAIT)
        refused = uploader_texts("th", 10, (), multiple=True)["refused"]
        size = chip.locator("[data-testid='stFileChipName'] + div")
        assert size.evaluate("e => getComputedStyle(e, '::after').content") == f'" · {refused}"'
        screenshot(page, "proxy-refused-too-big")
        chip.locator("button").click()  # take it off the list
        wait_for_app_run(page)

        # 3 MB: through nginx (whose default limit is 1 MB), checked and stored.
        chooser.set_input_files([str(_padded_workbook(tmp_path, 3))])
        confirm = page.get_by_role("button", name=t("upload.confirm.button", "th", count=1))
        expect(confirm).to_be_visible(timeout=WAIT)
        wait_for_app_run(page)
        confirm.click()
        wait_for_app_run(page)
        expect(page.get_by_text(t("upload.confirm.done", "th", stored=1, duplicates=0, failed=0))).to_be_visible(
            timeout=WAIT)
        no_error_on_screen(page)
        assert _versions(db_url) == [(1, OFFICER)]
        _publish(db_url)
        holder = proxy.replicas_of("/_stcore/upload_file/")
        assert holder and len(set(holder)) == 1, holder  # one browser, one replica

        _go(page, "")  # the Overview: RIL counts for 2566
        expect(_estates_kpi(page)).to_have_text(f"1 / {total}", timeout=WAIT)
        no_error_on_screen(page)
        screenshot(page, "proxy-overview")

        # The replica holding this browser goes away (its browsers' sessions with it).
        stopped = next(s for s in replicas if _address(s) == holder[0])
        other = next(s for s in replicas if s is not stopped)
        _go(page, "upload")
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text(t("auth.sign_out", "th"))).to_be_visible()
        stopped.stop()
        # nginx logs the websocket as it closes; the page reconnects through the proxy to
        # the other replica (the stopped one refuses), in a new session, and keeps what it
        # showed until the user's next interaction runs the page there: signed out.
        _wait_until(lambda: _address(stopped) in proxy.replicas_of("/_stcore/stream"))
        wait_for_app_run(page)
        pill = page.get_by_text(t("upload.log.outcome_accepted", "th"), exact=True)
        signed_out = page.get_by_text(t("upload.send.sign_in_needed", "th"))
        # On a loaded machine the reconnected page may have rerun by itself already.
        expect(pill.or_(signed_out).first).to_be_visible(timeout=WAIT)
        if not signed_out.is_visible():
            pill.click()
        expect(signed_out).to_be_visible(timeout=WAIT)
        expect(sidebar.get_by_text(t("auth.sign_out", "th"))).to_have_count(0)
        no_error_on_screen(page)
        screenshot(page, "proxy-after-failover")

        # Signed in again through the page's link: nothing stored was lost.
        page.get_by_test_id("stMain").get_by_text(t("auth.sign_in", "th"), exact=True).click()
        wait_for_app_run(page)
        page.locator(".st-key-sign_in_username input").fill(OFFICER)
        page.locator(".st-key-sign_in_password input").fill(PASSWORD)
        page.get_by_role("button", name=t("auth.page.submit", "th")).click()
        wait_for_app_run(page)
        expect(sidebar.get_by_text(t("auth.sign_out", "th"))).to_be_visible(timeout=WAIT)
        expect(page).to_have_url(re.compile(r"/upload"), timeout=WAIT)
        wait_for_app_run(page)
        expect(page.locator("[class*='st-key-upload_log_pick'] [role='combobox']")).to_have_value(
            re.compile(rf"^#1 · {re.escape(WORKBOOK.name)}"), timeout=WAIT)
        _go(page, "")
        expect(_estates_kpi(page)).to_have_text(f"1 / {total}", timeout=WAIT)
        no_error_on_screen(page)
        assert _versions(db_url) == [(1, OFFICER)]
    finally:
        context.close()
    # nginx logs a websocket when it closes: the last one was held by the other replica.
    _wait_until(lambda: proxy.replicas_of("/_stcore/stream")[-1:] == [_address(other)])

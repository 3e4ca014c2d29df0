"""The guide's example Kit App in a real browser: Connect Kit, Allow or Deny, back on the app.

The aiohttp and FastAPI recipes of docs/kit-apps.md run as written there
(taken from the page, not copied) on loopback, with FakeKit as Kit, each app
with its own `MemoryTokenStore`. selenium drives Debian's headless `chromium`
through `chromedriver`: one browser for the module, the servers on an event
loop of their own in a thread (selenium's calls block).

Without chromium, chromedriver or selenium the browser tests are skipped on a
developer's machine, saying what is missing; `.ci/run` installs them and sets
`KIT_ASYNC_REQUIRE_BROWSER=1`, which turns that skip into a failure.
"""

from __future__ import annotations

import asyncio
import importlib.util
import ipaddress
import logging
import os
import secrets
import shutil
import socket
import ssl
import threading
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import attrs
import pytest
from aiohttp import web
from docs_examples import ROOT, recipe

from kit_async.oauth import MemoryTokenStore
from kit_async.testing import FakeKit

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

T = TypeVar("T")

GUIDE = ROOT / "docs" / "kit-apps.md"
#: Set to 1 (CI does, in .ci/run) to fail, not skip, when the browser cannot run here.
REQUIRE_BROWSER = "KIT_ASYNC_REQUIRE_BROWSER"
CLIENT_SECRET = "app-secret-for-the-browser-test"
#: The account's name on FakeKit: the app must escape it to show it as it is.
ACCOUNT_NAME = "Ada <Letters> & Co"
WAIT = 15.0
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # as root in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


# -- whether the browser can run here ------------------------------------------------------


@attrs.frozen
class BrowserSetup:
    """Chromium and chromedriver found here, or what is missing (the skip or failure text)."""

    chromium: str | None = None
    chromedriver: str | None = None
    missing: str = ""


def find_browser() -> BrowserSetup:
    """Debian's `chromium` and `chromedriver` on PATH, and selenium to drive them."""
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    absent = [
        name
        for name, found in (
            ("chromium", chromium),
            ("chromedriver", chromedriver),
            ("selenium", importlib.util.find_spec("selenium")),
        )
        if not found
    ]
    if absent:
        missing = (
            f"{', '.join(absent)} not found (apt-get install chromium chromium-driver; "
            "pip install selenium)"
        )
        return BrowserSetup(missing=missing)
    return BrowserSetup(chromium, chromedriver)


def require_browser(setup: BrowserSetup) -> tuple[str, str]:
    """The paths of chromium and chromedriver; else skip, or fail where `REQUIRE_BROWSER` is set."""
    if setup.chromium is not None and setup.chromedriver is not None:
        return setup.chromium, setup.chromedriver
    if os.environ.get(REQUIRE_BROWSER) == "1":
        pytest.fail(
            f"{setup.missing}; {REQUIRE_BROWSER}=1 (set by .ci/run) requires the browser tests "
            "to run"
        )
    pytest.skip(f"browser tests skipped: {setup.missing}")


def test_a_missing_browser_is_a_skip_naming_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(REQUIRE_BROWSER, raising=False)

    with pytest.raises(pytest.skip.Exception, match=r"^browser tests skipped: chromium not found"):
        require_browser(BrowserSetup(missing="chromium not found"))


def test_a_missing_browser_fails_when_the_browser_tests_are_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(REQUIRE_BROWSER, "1")

    with pytest.raises(
        pytest.fail.Exception, match=r"^chromium not found; KIT_ASYNC_REQUIRE_BROWSER=1"
    ):
        require_browser(BrowserSetup(missing="chromium not found"))


def test_find_browser_names_each_missing_program(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/chromium" * (name == "chromium"))

    setup = find_browser()

    assert setup.chromedriver is None
    assert setup.missing.startswith("chromedriver not found")


def test_ci_installs_the_browser_and_requires_the_browser_tests() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

    assert "apt-get install -y -qq chromium chromium-driver" in ci
    assert f"export {REQUIRE_BROWSER}=1\n" in ci
    assert ci.index(f"export {REQUIRE_BROWSER}=1") < ci.index('"${nox[@]}" -s tests')


# -- the servers, on a loop of their own ---------------------------------------------------


class Background:
    """An event loop in a thread, for the servers: the test's thread blocks in selenium."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="browser test servers")
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=WAIT)

    def call(self, function: Callable[[], T]) -> T:
        async def called() -> T:
            return function()

        return self.run(called())

    def close(self) -> None:
        self.run(self.loop.shutdown_asyncgens())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=WAIT)
        self.loop.close()


@attrs.frozen
class RunningApp:
    """One recipe's app on loopback, with its own token store."""

    url: str
    store: MemoryTokenStore
    stop: Callable[[], Coroutine[Any, Any, None]]


async def _serve_aiohttp(names: dict[str, Any], settings: Any, listening: socket.socket) -> Any:
    runner = web.AppRunner(names["make_app"](settings, names["store"]))
    await runner.setup()
    await web.SockSite(runner, listening).start()
    return runner.cleanup


async def _serve_fastapi(names: dict[str, Any], settings: Any, listening: socket.socket) -> Any:
    import uvicorn

    app = names["create_kit_app"](settings, names["store"])
    # log_config=None: uvicorn leaves the logging configuration alone.
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    async with asyncio.timeout(WAIT):
        while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, no event
            await asyncio.sleep(0.01)

    async def stop() -> None:
        server.should_exit = True
        await serving

    return stop


RECIPES = {
    # The shared piece first, then the framework's part, as a reader pastes them.
    "aiohttp": (("class Sessions", "def make_app"), _serve_aiohttp),
    "fastapi": (("class Sessions", "def create_kit_app"), _serve_fastapi),
}


@pytest.fixture(scope="module")
def background() -> Iterator[Background]:
    servers = Background()
    try:
        yield servers
    finally:
        servers.close()


@pytest.fixture(scope="module")
def kit_server(background: Background) -> Iterator[FakeKit]:
    server = FakeKit(client_secret=CLIENT_SECRET)
    server.account.info["name"] = ACCOUNT_NAME
    background.run(server.start())
    try:
        yield server
    finally:
        background.run(server.close())


@pytest.fixture(params=sorted(RECIPES))
def kit_app(
    request: pytest.FixtureRequest, background: Background, kit_server: FakeKit
) -> Iterator[RunningApp]:
    """The recipe's app, as the guide writes it, on a free loopback port."""
    markers, serve = RECIPES[request.param]
    names = recipe(GUIDE, *markers)
    names["store"] = store = MemoryTokenStore()
    listening = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listening.getsockname()[1]}"
    settings = names["Settings"](
        client_id=kit_server.client_id,
        client_secret=CLIENT_SECRET,
        redirect_uri=f"{url}/kit/callback",
        kit_url=kit_server.url,
    )
    stop = background.run(serve(names, settings, listening))
    try:
        yield RunningApp(url, store, stop)
    finally:
        background.run(stop())
        listening.close()


def _self_signed(directory: Path) -> ssl.SSLContext:
    """A TLS context for 127.0.0.1 with a throwaway self-signed certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (directory / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    return context


@pytest.fixture
def app_store(background: Background, tmp_path: Path) -> Iterator[str]:
    """A page standing for Kit's App Store, over https on loopback: its URL."""

    async def page(request: web.Request) -> web.Response:
        text = "<!doctype html><title>Kit App Store</title><h1>Installed</h1>"
        return web.Response(text=text, content_type="text/html")

    app = web.Application()
    app.router.add_get("/apps/1", page)
    runner = web.AppRunner(app)
    listening = socket.create_server(("127.0.0.1", 0))

    async def start() -> None:
        await runner.setup()
        await web.SockSite(runner, listening, ssl_context=_self_signed(tmp_path)).start()

    background.run(start())
    try:
        yield f"https://127.0.0.1:{listening.getsockname()[1]}/apps/1?success=true"
    finally:
        background.run(runner.cleanup())
        listening.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """One headless Chromium for the module, with a fresh profile."""
    chromium, chromedriver = require_browser(find_browser())
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.accept_insecure_certs = True  # the App Store page's self-signed certificate
    # With both paths given, selenium never runs Selenium Manager (no download).
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def chromium(browser: WebDriver) -> Iterator[WebDriver]:
    """The module's browser, without the cookies of an earlier test."""
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    yield browser


# -- the creator's steps -------------------------------------------------------------------


def _wait(driver: WebDriver, until: Callable[[WebDriver], object]) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT).until(until)


def _status(driver: WebDriver) -> int:
    """The HTTP status of the page shown (Navigation Timing's `responseStatus`)."""
    status = driver.execute_script(
        "return performance.getEntriesByType('navigation')[0].responseStatus"
    )
    assert isinstance(status, int)
    return status


def _heading(driver: WebDriver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "h1").text


def _on_kits_page(driver: WebDriver, kit_server: FakeKit) -> None:
    """Wait for FakeKit's authorization page, asking for the account."""
    from selenium.webdriver.common.by import By

    _wait(driver, lambda d: d.current_url.startswith(f"{kit_server.url}/v4/oauth/authorize?"))
    assert _heading(driver) == "Authorize application"
    assert driver.find_element(By.TAG_NAME, "strong").text == ACCOUNT_NAME


def _click_connect_kit(driver: WebDriver, kit_server: FakeKit, app: RunningApp) -> None:
    """The creator opens the app and clicks "Connect Kit": on Kit's page."""
    from selenium.webdriver.common.by import By

    driver.get(f"{app.url}/")
    assert _heading(driver) == "My Kit App"
    driver.find_element(By.LINK_TEXT, "Connect Kit").click()
    _on_kits_page(driver, kit_server)


def _press(driver: WebDriver, decision: str) -> None:
    """Press Allow or Deny on Kit's page."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, f"button[name=decision][value={decision}]").click()


def _saved(background: Background, app: RunningApp) -> list[int]:
    return list(background.run(app.store.connected()))


# -- the scenarios -------------------------------------------------------------------------


@pytest.mark.browser
def test_connect_kit_then_allow_shows_the_accounts_name_and_saves_the_pair(
    chromium: WebDriver,
    background: Background,
    kit_server: FakeKit,
    kit_app: RunningApp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from selenium.webdriver.common.by import By

    caplog.set_level(logging.DEBUG)
    _click_connect_kit(chromium, kit_server, kit_app)
    _press(chromium, "allow")
    _wait(chromium, lambda d: d.current_url == f"{kit_app.url}/")

    assert _status(chromium) == 200
    assert _heading(chromium) == "Connected"
    assert chromium.find_element(By.ID, "account").text == f"Connected to Kit as {ACCOUNT_NAME}."
    assert _saved(background, kit_app) == [1]
    tokens = background.run(kit_app.store.load(1))
    assert tokens is not None
    assert background.run(kit_app.store.name(1)) == ACCOUNT_NAME
    # The pair works on Kit: FakeKit knows the access token the store holds.
    problem = background.call(lambda: kit_server.account.credentials.problem(tokens.access_token))
    assert problem is None
    # Nothing secret on a page or in a log line (the servers log in this process).
    secret = (tokens.access_token, tokens.refresh_token, CLIENT_SECRET)
    seen = chromium.page_source + caplog.text + str(chromium.get_cookies())
    assert not [s for s in secret if s in seen]
    assert "connected Kit account 1" in caplog.text


@pytest.mark.browser
@pytest.mark.requires_extra("apps")  # cryptography signs the App Store page's certificate
def test_an_app_store_install_ends_on_the_app_stores_redirect(
    chromium: WebDriver,
    background: Background,
    kit_server: FakeKit,
    kit_app: RunningApp,
    app_store: str,
) -> None:
    start = f"{kit_app.url}/kit/connect?{urlencode({'redirect': app_store})}"
    chromium.get(start)
    _on_kits_page(chromium, kit_server)
    _press(chromium, "allow")
    _wait(chromium, lambda d: d.current_url == app_store)

    assert chromium.title == "Kit App Store"
    assert _heading(chromium) == "Installed"
    assert _saved(background, kit_app) == [1]
    # Back on the app, the creator is connected.
    chromium.get(f"{kit_app.url}/")
    assert _heading(chromium) == "Connected"


@pytest.mark.browser
def test_deny_shows_the_apps_page_saying_the_creator_declined(
    chromium: WebDriver, background: Background, kit_server: FakeKit, kit_app: RunningApp
) -> None:
    exchanged = kit_server.refreshes
    _click_connect_kit(chromium, kit_server, kit_app)
    _press(chromium, "deny")
    _wait(chromium, lambda d: d.current_url.startswith(f"{kit_app.url}/kit/callback?"))

    assert "error=access_denied" in chromium.current_url
    assert _status(chromium) == 403
    assert _heading(chromium) == "Not connected"
    assert "You declined to connect your Kit account." in chromium.page_source
    assert _saved(background, kit_app) == []
    assert kit_server.refreshes == exchanged


@pytest.mark.browser
def test_a_callback_with_an_edited_state_is_refused_and_nothing_is_saved(
    chromium: WebDriver, background: Background, kit_server: FakeKit, kit_app: RunningApp
) -> None:
    exchanged = kit_server.refreshes
    _click_connect_kit(chromium, kit_server, kit_app)
    # Allow, as the page's button would, but edit the callback's state before following it.
    callback = background.call(lambda: kit_server.approve(chromium.current_url))
    parts = urlsplit(callback)
    query = dict(parse_qsl(parts.query))
    assert query["state"] and query["code"]
    query["state"] = secrets.token_urlsafe(32)
    chromium.get(parts._replace(query=urlencode(query)).geturl())

    assert _status(chromium) == 400
    assert _heading(chromium) == "Not connected"
    assert "could not be connected" in chromium.page_source
    assert _saved(background, kit_app) == []
    # Refused before the exchange: the code was never sent to Kit.
    assert kit_server.refreshes == exchanged
    chromium.get(f"{kit_app.url}/")
    assert _heading(chromium) == "My Kit App"

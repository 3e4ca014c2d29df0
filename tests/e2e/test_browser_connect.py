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
import logging
import secrets
import shutil
import socket
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import attrs
import pytest
from aiohttp import web
from docs_examples import ROOT, recipe
from headless_browser import (
    REQUIRE_BROWSER,
    WAIT,
    Background,
    BrowserSetup,
    find_browser,
    require_browser,
    self_signed_context,
    start_chromium,
)

from kit_async.oauth import MemoryTokenStore
from kit_async.testing import FakeKit

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

GUIDE = ROOT / "docs" / "kit-apps.md"
CLIENT_SECRET = "app-secret-for-the-browser-test"
#: The account's name on FakeKit: the app must escape it to show it as it is.
ACCOUNT_NAME = "Ada <Letters> & Co"


# -- whether the browser can run here ------------------------------------------------------


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
    monkeypatch.setattr(shutil, "which", {"chromium": "/usr/bin/chromium"}.get)

    setup = find_browser()

    assert setup.chromedriver is None
    assert setup.missing.startswith("chromedriver not found")


def test_ci_installs_the_browser_and_requires_the_browser_tests() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

    assert "apt-get install -y -qq chromium chromium-driver" in ci
    assert f"export {REQUIRE_BROWSER}=1\n" in ci
    assert ci.index(f"export {REQUIRE_BROWSER}=1") < ci.index('"${nox[@]}" -s tests')


# -- the servers, on a loop of their own ---------------------------------------------------


@attrs.frozen
class RunningApp:
    """One recipe's app on loopback, with its own token store."""

    url: str
    store: MemoryTokenStore


#: Serves the recipe's app (its names, settings and store) on a socket: returns its stop.
Serve = Callable[
    [dict[str, Any], Any, MemoryTokenStore, socket.socket],
    Coroutine[Any, Any, Callable[[], Coroutine[Any, Any, None]]],
]


async def _serve_aiohttp(
    names: dict[str, Any], settings: Any, store: MemoryTokenStore, listening: socket.socket
) -> Callable[[], Coroutine[Any, Any, None]]:
    runner = web.AppRunner(names["make_app"](settings, store))
    await runner.setup()
    await web.SockSite(runner, listening).start()
    return runner.cleanup


async def _serve_fastapi(
    names: dict[str, Any], settings: Any, store: MemoryTokenStore, listening: socket.socket
) -> Callable[[], Coroutine[Any, Any, None]]:
    import uvicorn

    app = names["create_kit_app"](settings, store)
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


RECIPES: dict[str, tuple[tuple[str, ...], Serve]] = {
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
    store = MemoryTokenStore()
    listening = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listening.getsockname()[1]}"
    settings = names["Settings"](
        client_id=kit_server.client_id,
        client_secret=CLIENT_SECRET,
        redirect_uri=f"{url}/kit/callback",
        kit_url=kit_server.url,
    )
    stop = background.run(serve(names, settings, store, listening))
    try:
        yield RunningApp(url, store)
    finally:
        background.run(stop())
        listening.close()


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
        await web.SockSite(runner, listening, ssl_context=self_signed_context(tmp_path)).start()

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
    driver = start_chromium(chromium, chromedriver, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def chromium(browser: WebDriver) -> WebDriver:
    """The module's browser, without the cookies of an earlier test."""
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    return browser


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


def _exchanges(background: Background, kit_server: FakeKit) -> int:
    """How many code exchanges (or refreshes) FakeKit's token endpoint was asked for."""
    return background.call(lambda: sum(r.path == "/v4/oauth/token" for r in kit_server.requests))


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
    exchanged = _exchanges(background, kit_server)
    _click_connect_kit(chromium, kit_server, kit_app)
    _press(chromium, "deny")
    _wait(chromium, lambda d: d.current_url.startswith(f"{kit_app.url}/kit/callback?"))

    assert "error=access_denied" in chromium.current_url
    assert _status(chromium) == 403
    assert _heading(chromium) == "Not connected"
    assert "You declined to connect your Kit account." in chromium.page_source
    assert _saved(background, kit_app) == []
    assert _exchanges(background, kit_server) == exchanged


@pytest.mark.browser
def test_a_callback_with_an_edited_state_is_refused_and_nothing_is_saved(
    chromium: WebDriver, background: Background, kit_server: FakeKit, kit_app: RunningApp
) -> None:
    exchanged = _exchanges(background, kit_server)
    _click_connect_kit(chromium, kit_server, kit_app)
    # Allow, as the page's button would, but edit the callback's state before following it.
    callback = background.call(lambda: kit_server.approve(chromium.current_url))
    parts = urlsplit(callback)
    query = dict(parse_qsl(parts.query))
    assert query["code"]
    assert query["state"]
    query["state"] = secrets.token_urlsafe(32)
    chromium.get(parts._replace(query=urlencode(query)).geturl())

    assert _status(chromium) == 400
    assert _heading(chromium) == "Not connected"
    assert "could not be connected" in chromium.page_source
    assert _saved(background, kit_app) == []
    # Refused before the exchange: the code was never sent to Kit.
    assert _exchanges(background, kit_server) == exchanged
    chromium.get(f"{kit_app.url}/")
    assert _heading(chromium) == "My Kit App"


@pytest.mark.browser
def test_a_replayed_callback_is_refused_without_sending_the_code_again(
    chromium: WebDriver, background: Background, kit_server: FakeKit, kit_app: RunningApp
) -> None:
    _click_connect_kit(chromium, kit_server, kit_app)
    callback = background.call(lambda: kit_server.approve(chromium.current_url))
    chromium.get(callback)
    _wait(chromium, lambda d: d.current_url == f"{kit_app.url}/")
    exchanged = _exchanges(background, kit_server)

    chromium.get(callback)  # the browser's back button, a reload, a replay

    assert _status(chromium) == 400
    assert _heading(chromium) == "Not connected"
    # The session's pending request was used up: the spent code never reaches Kit again.
    assert _exchanges(background, kit_server) == exchanged
    assert _saved(background, kit_app) == [1]


@pytest.mark.browser
@pytest.mark.parametrize("redirect", ["javascript:alert(1)", "http://app.kit.com/apps/1", ""])
def test_an_install_link_whose_redirect_is_not_https_is_refused_before_kit(
    chromium: WebDriver, kit_app: RunningApp, redirect: str
) -> None:
    chromium.get(f"{kit_app.url}/kit/connect?{urlencode({'redirect': redirect})}")

    assert chromium.current_url.startswith(f"{kit_app.url}/kit/connect?")
    assert _status(chromium) == 400
    assert "not one Kit's App Store sends" in chromium.page_source

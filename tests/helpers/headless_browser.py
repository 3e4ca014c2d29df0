"""A headless Chromium driven by selenium, for tests of web pages; servers on a loop of their own.

Debian's `chromium` and `chromedriver` (packages `chromium` and
`chromium-driver`), found on PATH. Where they (or selenium) are missing,
`require_browser` skips the test on a developer's machine and fails it where
`KIT_ASYNC_REQUIRE_BROWSER=1` (set by `.ci/run`).
"""

from __future__ import annotations

import asyncio
import importlib.util
import ipaddress
import os
import shutil
import ssl
import threading
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import pytest

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

T = TypeVar("T")

#: Set to 1 (CI does, in .ci/run) to fail, not skip, when the browser cannot run here.
REQUIRE_BROWSER = "KIT_ASYNC_REQUIRE_BROWSER"
#: How long a server or a page may take (seconds).
WAIT = 15.0
#: The flags Chromium needs here (as root in a container, no network of its own).
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


def start_chromium(chromium: str, chromedriver: str, profile: Path) -> WebDriver:
    """A headless Chromium with a fresh profile in `profile`; `quit()` it when done."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.accept_insecure_certs = True  # a loopback https server's self-signed certificate
    # With both paths given, selenium never runs Selenium Manager (no download).
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    driver.set_page_load_timeout(WAIT)
    return driver


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


def self_signed_context(directory: Path) -> ssl.SSLContext:
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

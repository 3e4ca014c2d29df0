"""Proxies from the environment, read the way curl reads them.

The client's own session asks here once per origin (a caller's session
follows its own `trust_env`): `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY`.
"""

from __future__ import annotations

import logging
import os
from urllib.request import getproxies_environment

import yarl

from .validation import is_loopback

__all__ = ["proxy_from_environment"]

log = logging.getLogger("kit_async")


def _bypassed(host: str, port: int | None, no_proxy: str) -> bool:
    """Whether `NO_PROXY` (`*`, or host names, domain suffixes, host:port) exempts a host."""
    host = host.lower().strip("[]")
    for entry in no_proxy.lower().split(","):
        name = entry.strip().lstrip(".")
        if name == "*":
            return True
        if not name:
            continue
        if name in (host, f"{host}:{port}") or host.endswith(f".{name}"):
            return True
    return False


def proxy_from_environment(url: yarl.URL) -> yarl.URL | None:
    """The proxy `HTTP_PROXY`/`HTTPS_PROXY` name for `url`, unless `NO_PROXY` exempts it.

    As curl reads them: lower-case names first; `proxy:3128` is an http://
    proxy; loopback hosts go direct when `NO_PROXY` is not set at all.
    """
    proxies = getproxies_environment()  # lower-case names first, as curl reads them
    proxy = proxies.get(url.scheme)
    if not proxy or url.host is None:
        return None
    # Read directly: an empty NO_PROXY is a setting too (getproxies drops it).
    no_proxy = os.environ.get("no_proxy", os.environ.get("NO_PROXY"))
    if no_proxy is None:
        # A proxy cannot reach this machine's loopback (a local FakeKit), so
        # loopback hosts go direct unless NO_PROXY says otherwise.
        if is_loopback(url.host):
            return None
    elif _bypassed(url.host, url.port, no_proxy):
        return None
    # `proxy:3128`, as curl accepts it, is an http:// proxy.
    address = yarl.URL(proxy if "://" in proxy else f"http://{proxy}")
    if address.scheme not in ("http", "https"):
        log.warning(
            "%s_PROXY is a %s:// proxy, which aiohttp cannot use; connecting directly",
            url.scheme.upper(),
            address.scheme,
        )
        return None
    return address

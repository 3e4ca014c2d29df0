"""`kit.with_options()`: what a view is given, what it shares, what it refuses."""

from __future__ import annotations

import gc
import re

import attrs
import pytest
from aioresponses import aioresponses

from kit_async import KitClient, RateLimit, RetryPolicy
from kit_async._core.options import TransportView

BASE = "https://api.kit.com"


@pytest.fixture
async def kit() -> KitClient:
    return KitClient("kit_secret_key", rate_limit=RateLimit(120, 60.0), timeout=30.0)


@pytest.mark.parametrize(
    "name", ["Authorization", "authorization", "X-Kit-Api-Key", "COOKIE", "Proxy-Authorization"]
)
def test_credential_headers_are_refused_without_showing_the_value(
    kit: KitClient, name: str
) -> None:
    with pytest.raises(ValueError, match="carries a credential") as caught:
        kit.with_options(extra_headers={name: "Bearer hunter2"})
    assert "hunter2" not in str(caught.value)
    assert name in str(caught.value)


@pytest.mark.parametrize(
    "name",
    ["Host", "Content-Length", "Connection", "Transfer-Encoding", "Upgrade", "TE", "Keep-Alive"],
)
def test_connection_and_body_headers_are_refused(kit: KitClient, name: str) -> None:
    with pytest.raises(ValueError, match=f"may not set {name}: kit-async and aiohttp set it"):
        kit.with_options(extra_headers={name: "x"})


@pytest.mark.parametrize("value", ["a\r\nX-Kit-Api-Key: stolen", "a\nb", "a\rb", "a\0b"])
def test_a_value_with_a_line_break_is_refused_without_showing_it(
    kit: KitClient, value: str
) -> None:
    with pytest.raises(ValueError, match="line break") as caught:
        kit.with_options(extra_headers={"X-Trace": value})
    assert "stolen" not in str(caught.value)


@pytest.mark.parametrize("name", ["", "X Trace", "X-Trace:", "Zürich", 1])
def test_a_name_that_is_not_a_header_name_is_refused(kit: KitClient, name: object) -> None:
    with pytest.raises(ValueError, match="is not a header name"):
        kit.with_options(extra_headers={name: "x"})  # type: ignore[dict-item]


def test_non_str_values_and_non_mappings_are_refused(kit: KitClient) -> None:
    with pytest.raises(TypeError, match=r"extra_headers\['X-N'\] must be a str, got int"):
        kit.with_options(extra_headers={"X-N": 1})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="must be a mapping"):
        kit.with_options(extra_headers=[("X-N", "1")])  # type: ignore[arg-type]


@pytest.mark.parametrize("timeout", [0, -1, float("inf"), "5"])
def test_a_bad_timeout_is_refused(kit: KitClient, timeout: object) -> None:
    with pytest.raises(ValueError, match="timeout must be a finite number"):
        kit.with_options(timeout=timeout)  # type: ignore[arg-type]


@pytest.mark.parametrize("max_retries", [-1, 1.5, True])
def test_a_bad_max_retries_is_refused(kit: KitClient, max_retries: object) -> None:
    with pytest.raises(ValueError, match="max_retries must be an int >= 0"):
        kit.with_options(max_retries=max_retries)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="retry must be a RetryPolicy"):
        kit.with_options(retry=3)  # type: ignore[arg-type]


def test_options_not_given_are_the_parents_and_views_of_views_compose(kit: KitClient) -> None:
    policy = RetryPolicy(max_retries=2, backoff_initial=0.1)
    first = kit.with_options(timeout=5.0, retry=policy, extra_headers={"X-A": "1", "X-B": "1"})
    second = first.with_options(max_retries=0, extra_headers={"x-b": "2", "X-C": "3"})
    assert first.retry == policy
    assert second.retry == attrs.evolve(policy, max_retries=0)
    assert second._transport.timeout.total == 5.0
    assert dict(second._transport.extra_headers) == {"X-A": "1", "x-b": "2", "X-C": "3"}
    # The parent is unchanged.
    assert kit.retry == RetryPolicy()
    assert kit._transport.timeout.total == 30.0
    assert dict(kit._transport.extra_headers) == {}


def test_a_view_shares_the_parents_limit_auth_and_state(kit: KitClient) -> None:
    view = kit.with_options(max_retries=0).with_options(timeout=1.0)
    transport = view._transport
    assert isinstance(transport, TransportView)
    assert transport._root is kit._transport
    assert view.rate_limit is kit.rate_limit
    assert transport.auth is kit._transport.auth
    assert transport._active is kit._transport._active
    assert view.base_url == kit.base_url
    assert type(view) is KitClient


async def test_a_session_made_through_a_view_is_the_clients(
    kit: KitClient, mocked: aioresponses
) -> None:
    view = kit.with_options(timeout=1.0)
    mocked.get(f"{BASE}/v4/account", payload={"user": {"email": "a@b.c"}, "account": {}})
    await view.request("GET", "/v4/account")
    assert kit._transport._session is not None
    assert "_session" not in vars(view._transport)
    await kit.aclose()
    assert view.closed
    assert kit._transport._session is None


async def test_a_view_is_neither_opened_nor_closed_by_itself(kit: KitClient) -> None:
    view = kit.with_options(timeout=1.0)
    with pytest.raises(TypeError, match="neither opened nor closed by itself"):
        await view.aclose()
    with pytest.raises(TypeError, match="without 'async with'"):
        async with view:
            pass
    assert not kit.closed
    await kit.aclose()


def test_a_views_repr_shows_its_options_and_no_header_value(kit: KitClient) -> None:
    view = kit.with_options(timeout=2.0, max_retries=1, extra_headers={"X-Secret": "s3cr3t"})
    text = repr(view)
    assert re.fullmatch(
        r"<KitClient https://api\.kit\.com auth=api_key open view: timeout=2\.0 s, "
        r"max_retries=1>",
        text,
    )
    assert "s3cr3t" not in text
    assert "kit_secret_key" not in text


async def test_a_collected_view_does_not_warn_about_the_open_session(kit: KitClient) -> None:
    # filterwarnings=error turns a ResourceWarning from __del__ into a failure.
    await kit._transport.open()
    view = kit.with_options(timeout=1.0)
    del view
    gc.collect()
    await kit.aclose()

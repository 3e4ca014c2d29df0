"""`kit.with_options()` and `kit.with_raw_response()` used the way users will, for mypy.

Checked by `mypy --strict tests/typing` (`nox -s typecheck`); never run. Each
`# type: ignore[...]` marks a misuse that must stay an error.
"""

from __future__ import annotations

from typing import Any, assert_type

from multidict import CIMultiDictProxy

from kit_async import (
    Broadcast,
    BroadcastClick,
    KitAccounts,
    KitClient,
    Page,
    RawResponse,
    RetryPolicy,
    Tag,
    Upserted,
)


async def options(kit: KitClient, accounts: KitAccounts) -> None:
    fast = kit.with_options(timeout=5.0, max_retries=0)
    assert_type(fast, KitClient)
    traced = fast.with_options(
        retry=RetryPolicy(max_retries=2), extra_headers={"X-Request-Id": "r-1"}
    )
    assert_type(await traced.broadcasts.get(1), Broadcast)
    assert_type(accounts.client(1).with_options(timeout=2.0), KitClient)
    kit.with_options(timeout="5")  # type: ignore[arg-type]
    kit.with_options(extra_headers={"X-N": 1})  # type: ignore[dict-item]
    kit.with_options(5.0)  # type: ignore[call-arg]


async def raw_responses(kit: KitClient) -> None:
    raw = await kit.with_raw_response(kit.broadcasts.get, 147)
    assert_type(raw, RawResponse[Broadcast])
    assert_type(raw.parse(), Broadcast)
    assert_type(raw.status_code, int)
    assert_type(raw.headers, CIMultiDictProxy[str])
    assert_type(raw.elapsed, float)
    assert_type(raw.attempts, int)
    assert_type(raw.method, str)
    assert_type(raw.path, str)

    page = await kit.with_raw_response(kit.broadcasts.clicks, 147, per_page=500)
    assert_type(page, RawResponse[Page[BroadcastClick]])
    created = await kit.with_options(max_retries=0).with_raw_response(kit.tags.create, "VIP")
    assert_type(created.parse(), Upserted[Tag])
    assert_type((await kit.with_raw_response(kit.request, "GET", "/v4/account")).parse(), Any)
    assert_type((await kit.with_raw_response(kit.broadcasts.delete, 1)).parse(), None)

    await kit.with_raw_response(kit.broadcasts.get, "147")  # type: ignore[arg-type]
    await kit.with_raw_response(kit.broadcasts.get, 147, per_page=1)  # type: ignore[call-arg]
    await kit.with_raw_response(kit.iter_clicks_for_broadcasts, [1])  # type: ignore[arg-type]

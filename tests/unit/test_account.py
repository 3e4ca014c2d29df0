"""`kit.account`: what each method sends and how it reads Kit's answers.

A scripted loopback server answers with the bodies of Kit's description and
records what arrived.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from scripted import Scripted

from kit_async import (
    Account,
    AccountPlan,
    AccountTimezone,
    AccountUser,
    CreatorProfile,
    EmailStats,
    GrowthStats,
    KitClient,
    NotFoundError,
    ResponseValidationError,
    SendingAddress,
    UnprocessableEntityError,
)

ACCOUNT: dict[str, Any] = {
    "user": {"email": "test@convertkit.dev"},
    "account": {
        "name": "Kit Greetings",
        "plan_type": "creator",
        "primary_email_address": "test@convertkit.dev",
        "created_at": "2023-02-17T11:43:55Z",
        "id": 26,
        "timezone": {
            "name": "America/New_York",
            "friendly_name": "Eastern Time (US & Canada)",
            "utc_offset": "-05:00",
        },
    },
}
GROWTH = {
    "stats": {
        "cancellations": 0,
        "net_new_subscribers": 3,
        "new_subscribers": 3,
        "subscribers": 3,
        "starting": "2023-02-10T00:00:00-05:00",
        "ending": "2023-02-24T23:59:59-05:00",
    }
}
EASTERN = timezone(timedelta(hours=-5))


def client(server: Scripted) -> KitClient:
    return KitClient("kit_account_key", base_url=server.url, rate_limit=None)


def sent(server: Scripted, index: int = 0) -> tuple[str, str, list[tuple[str, str]], Any]:
    method, path, query, body, _ = server.received[index]
    return method, path, parse_qsl(query), json.loads(body) if body else None


async def test_get_reads_the_account_with_the_user_beside_it(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response(ACCOUNT))
    async with client(scripted) as kit:
        account = await kit.account.get()

    assert account == Account(
        name="Kit Greetings",
        plan_type="creator",
        primary_email_address="test@convertkit.dev",
        user=AccountUser("test@convertkit.dev"),
        id=26,
        created_at=datetime(2023, 2, 17, 11, 43, 55, tzinfo=UTC),
        timezone=AccountTimezone("America/New_York", "Eastern Time (US & Canada)", "-05:00"),
    )
    assert sent(scripted) == ("GET", "/v4/account", [], None)


async def test_get_reads_the_2026_sending_addresses_plan_and_user_id(scripted: Scripted) -> None:
    body = {
        "user": {"email": "test@convertkit.dev", "id": 7},
        "account": {
            **ACCOUNT["account"],
            "sending_addresses": [
                {
                    "email_address": "greetings@convertkit.dev",
                    "from_name": "Kit Greetings",
                    "status": "verified",
                    "is_default": True,
                    "is_verified": True,
                    "is_dmarc_configured": False,
                }
            ],
            "plan": {
                "plan_type": "creator",
                "interval": "month",
                "subscriber_limit": 1000,
                "on_trial": False,
                "trial_lapse_date": None,
                "renews_at": "2026-11-01T00:00:00Z",
                "cancels_at": None,
            },
        },
    }
    scripted.answers.append(web.json_response(body))
    async with client(scripted) as kit:
        account = await kit.account.get()

    assert account.user == AccountUser("test@convertkit.dev", 7)
    assert account.sending_addresses == (
        SendingAddress(
            "greetings@convertkit.dev",
            "Kit Greetings",
            "verified",
            is_default=True,
            is_verified=True,
            is_dmarc_configured=False,
        ),
    )
    assert account.plan == AccountPlan(
        "creator", "month", 1000, on_trial=False, renews_at=datetime(2026, 11, 1, tzinfo=UTC)
    )


async def test_an_account_without_its_user_is_a_schema_error_naming_it(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"account": ACCOUNT["account"]}))
    async with client(scripted) as kit:
        with pytest.raises(ResponseValidationError) as info:
            await kit.account.get()
    assert info.value.field == "user"


async def test_colors_are_returned_as_a_tuple_of_codes(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"colors": ["#008000", "#FF0000"]}))
    async with client(scripted) as kit:
        assert await kit.account.colors() == ("#008000", "#FF0000")
    assert sent(scripted) == ("GET", "/v4/account/colors", [], None)


async def test_a_bad_color_in_kits_answer_is_named_by_its_index(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"colors": ["#008000", 7]}))
    async with client(scripted) as kit:
        with pytest.raises(ResponseValidationError) as info:
            await kit.account.colors()
    assert info.value.field == "colors[1]"


async def test_update_colors_puts_the_list_and_returns_what_kit_kept(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"colors": ["#000000", "#ffffff"]}))
    async with client(scripted) as kit:
        kept = await kit.account.update_colors(("#000000", "#ffffff"))

    assert kept == ("#000000", "#ffffff")
    assert sent(scripted) == (
        "PUT",
        "/v4/account/colors",
        [],
        {"colors": ["#000000", "#ffffff"]},
    )


async def test_update_colors_is_retried_after_a_500_because_a_put_is_safe(
    scripted: Scripted,
) -> None:
    scripted.answers += [web.Response(status=500), web.json_response({"colors": ["#000000"]})]
    async with client(scripted) as kit:
        assert await kit.account.update_colors(["#000000"]) == ("#000000",)
    assert len(scripted.received) == 2


@pytest.mark.parametrize(
    ("colors", "error", "message"),
    [
        ("#000000", TypeError, "colors must be a list of hex color codes, got str"),
        (["#000000", None], TypeError, r"colors\[1\] must be a str"),
        (["#000000", " "], ValueError, r"colors\[1\] must not be empty"),
        (["#000000"] * 6, ValueError, "colors has 6 colors; Kit keeps at most 5"),
    ],
)
async def test_bad_colors_are_refused_before_sending(
    scripted: Scripted, colors: Any, error: type[Exception], message: str
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.account.update_colors(colors)
    assert scripted.received == []


async def test_kits_422_for_a_bad_hex_code_carries_its_message(scripted: Scripted) -> None:
    scripted.answers.append(
        web.json_response(
            {"errors": ["Colors #123_not_a_code is not a valid hex color code."]}, status=422
        )
    )
    async with client(scripted) as kit:
        with pytest.raises(UnprocessableEntityError) as info:
            await kit.account.update_colors(["#123_not_a_code"])
    assert info.value.errors == ("Colors #123_not_a_code is not a valid hex color code.",)


async def test_creator_profile_is_read_from_its_envelope(scripted: Scripted) -> None:
    profile = {
        "name": "A Creator's Journey",
        "byline": "A Creator",
        "bio": "Follow my Journey as a Creator",
        "image_url": "https://convertkit.dev/image.jpg?fit=crop&h=320&w=320",
        "profile_url": "https://kit-greetings.ck.page/profile",
    }
    scripted.answers.append(web.json_response({"profile": profile}))
    async with client(scripted) as kit:
        found = await kit.account.creator_profile()
    assert found == CreatorProfile(
        name="A Creator's Journey",
        profile_url="https://kit-greetings.ck.page/profile",
        byline="A Creator",
        bio="Follow my Journey as a Creator",
        image_url="https://convertkit.dev/image.jpg?fit=crop&h=320&w=320",
    )
    assert sent(scripted)[:2] == ("GET", "/v4/account/creator_profile")


async def test_an_account_without_a_creator_profile_is_not_found(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"errors": ["Not Found"]}, status=404))
    async with client(scripted) as kit:
        with pytest.raises(NotFoundError) as info:
            await kit.account.creator_profile()
    assert info.value.path == "/v4/account/creator_profile"


async def test_email_stats_read_the_2025_fields_and_the_2026_rates(scripted: Scripted) -> None:
    stats = {
        "sent": 6,
        "clicked": 3,
        "opened": 6,
        "email_stats_mode": "last_90",
        "open_tracking_enabled": True,
        "click_tracking_enabled": True,
        "starting": "2022-11-19T11:43:55Z",
        "ending": "2023-02-17T11:43:55Z",
    }
    scripted.answers += [
        web.json_response({"stats": stats}),
        web.json_response({"stats": {**stats, "open_rate": 1, "click_rate": 0.5}}),
    ]
    async with client(scripted) as kit:
        old = await kit.account.email_stats()
        new = await kit.account.email_stats()

    assert old == EmailStats(
        6,
        3,
        6,
        "last_90",
        open_tracking_enabled=True,
        click_tracking_enabled=True,
        starting=datetime(2022, 11, 19, 11, 43, 55, tzinfo=UTC),
        ending=datetime(2023, 2, 17, 11, 43, 55, tzinfo=UTC),
    )
    assert (new.open_rate, new.click_rate, new.bounce_rate) == (1.0, 0.5, None)
    assert sent(scripted)[:2] == ("GET", "/v4/account/email_stats")


async def test_growth_stats_send_dates_and_keep_kits_time_zone(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response(GROWTH))
    async with client(scripted) as kit:
        stats = await kit.account.growth_stats(starting=date(2023, 2, 10), ending="2023-02-24")

    assert stats == GrowthStats(
        0,
        3,
        3,
        3,
        datetime(2023, 2, 10, tzinfo=EASTERN),
        datetime(2023, 2, 24, 23, 59, 59, tzinfo=EASTERN),
    )
    assert stats.starting.utcoffset() == timedelta(hours=-5)
    assert sent(scripted) == (
        "GET",
        "/v4/account/growth_stats",
        [("starting", "2023-02-10"), ("ending", "2023-02-24")],
        None,
    )


async def test_growth_stats_without_bounds_leave_kits_90_days(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response(GROWTH))
    async with client(scripted) as kit:
        await kit.account.growth_stats()
    assert sent(scripted)[2] == []


@pytest.mark.parametrize(
    ("bounds", "error", "message"),
    [
        (
            {"starting": datetime(2023, 2, 10, tzinfo=UTC)},
            TypeError,
            r"starting must be a date \(Kit counts whole days\).*pass starting=value.date\(\)",
        ),
        ({"ending": "02/09/2023"}, ValueError, "ending must be an ISO 8601 date"),
        ({"ending": "2023-02-30"}, ValueError, "ending must be an ISO 8601 date"),
        ({"ending": "2023-02-24T00:00:00Z"}, ValueError, "ending must be an ISO 8601 date"),
        ({"starting": 20230210}, TypeError, "starting must be a date or ISO 8601 date text"),
        (
            {"starting": date(2023, 3, 1), "ending": "2023-02-01"},
            ValueError,
            r"starting \(2023-03-01\) must not be after ending \(2023-02-01\)",
        ),
    ],
)
async def test_bad_growth_bounds_are_refused_before_sending(
    scripted: Scripted, bounds: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.account.growth_stats(**bounds)
    assert scripted.received == []


async def test_kits_422_for_a_bad_range_carries_its_messages(scripted: Scripted) -> None:
    errors = ["Starting date must be before the ending date."]
    scripted.answers.append(web.json_response({"errors": errors}, status=422))
    async with client(scripted) as kit:
        with pytest.raises(UnprocessableEntityError) as info:
            await kit.account.growth_stats(starting="2023-02-10", ending="2023-02-10")
    assert info.value.errors == tuple(errors)

"""`kit_async.fleet`'s settings: durations, clock-aligned ticks, the environment, no secret shown."""

from __future__ import annotations

import pytest

from kit_async.fleet import FleetConfig, parse_every
from kit_async.fleet._config import cron_times


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("5m", 300), ("1h", 3600), ("6h", 21600), ("10", 10)]
)
def test_every_reads_seconds_minutes_and_hours(text: str, seconds: int) -> None:
    assert parse_every(text) == seconds


@pytest.mark.parametrize("text", ["", "0s", "-5m", "five", "7s", "7m", "5h"])
def test_every_refuses_what_is_no_clock_aligned_duration(text: str) -> None:
    with pytest.raises(ValueError, match=r"invalid duration|does not divide"):
        parse_every(text)


def test_ticks_are_aligned_to_the_clock() -> None:
    assert cron_times(15) == {"second": {0, 15, 30, 45}}
    assert cron_times(1200) == {"minute": {0, 20, 40}, "second": 0}
    assert cron_times(8 * 3600) == {"hour": {0, 8, 16}, "minute": 0, "second": 0}


def test_the_environment_gives_every_setting_and_options_win() -> None:
    env = {
        "KIT_SYNC_DATABASE": "postgresql://kit:pw@db/clicks",
        "KIT_TOKEN_STORE_URL": "redis://:pw@cache/1",
        "KIT_TOKEN_STORE_KEY": "new-key, old-key",
        "KIT_CLIENT_ID": "app",
        "KIT_CLIENT_SECRET": "app-secret",
        "KIT_SYNC_EVERY": "15m",
        "KIT_SYNC_CONCURRENCY": "8",
    }

    config = FleetConfig.from_environment(env, concurrency=2)

    assert config.encryption_key == ["new-key", "old-key"]
    assert (config.every, config.concurrency) == (900, 2)
    assert config.redis == "redis://localhost:6379/0"
    assert config.client_secret == "app-secret"
    assert "pw" not in repr(config)
    assert "secret" not in repr(config)
    assert "key" not in repr(config)


def test_a_missing_setting_names_its_variable_and_no_value() -> None:
    env = {"KIT_TOKEN_STORE_KEY": "k", "KIT_SYNC_DATABASE": "x.sqlite", "KIT_CLIENT_ID": "a"}

    with pytest.raises(ValueError, match=r"^no token store: set KIT_TOKEN_STORE_URL$"):
        FleetConfig.from_environment(env)


def test_a_bad_concurrency_names_its_variable() -> None:
    env = {"KIT_SYNC_CONCURRENCY": "many"}

    with pytest.raises(ValueError, match="KIT_SYNC_CONCURRENCY must be a whole number"):
        FleetConfig.from_environment(env, database="-", token_store="-", encryption_key="-")


def test_a_bad_tick_names_its_variable() -> None:
    env = {"KIT_SYNC_EVERY": "7s"}

    with pytest.raises(ValueError, match=r"^KIT_SYNC_EVERY: every 7 s does not divide"):
        FleetConfig.from_environment(env, database="-", token_store="-", encryption_key="-")

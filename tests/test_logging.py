"""What a host program sees of kit-async's logging.

Library code configures no logging: a program that configured none sees
nothing on stderr from kit-async or its dependencies, even while requests are
retried. Each retry is one line of kit-async's own (at INFO, on the
`kit_async` logger) for programs that do configure logging; stamina's record
of the same retry is dropped, while the host's own stamina retries are
reported exactly as before.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

RETRIED_TWICE = """
    import asyncio

    import stamina

    import kit_async
    from kit_async.testing import FakeKit

    POLICY = kit_async.RetryPolicy(backoff_initial=0.01, backoff_max=0.02)


    @stamina.retry(on=ValueError, attempts=2, wait_initial=0.01, wait_max=0.02)
    def hosts_own_flaky_call(calls=[]):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("first call fails")


    async def main():
        async with FakeKit() as server:
            server.inject("503", times=2, path="/v4/broadcasts/1")
            async with kit_async.KitClient(
                server.api_key, base_url=server.url, rate_limit=None, retry=POLICY
            ) as kit:
                broadcast = await kit.broadcasts.get(1)
        print("fetched", broadcast.id, "after", len(server.requests), "requests")


    {setup}
    asyncio.run(main())
    {host}
"""


def _run(setup: str = "", host: str = "") -> subprocess.CompletedProcess[str]:
    code = textwrap.dedent(RETRIED_TWICE).format(setup=setup, host=host)
    return subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_a_program_that_configures_no_logging_sees_nothing_on_stderr_during_retries() -> None:
    result = _run()

    assert result.returncode == 0, result.stderr
    assert result.stdout == "fetched 1 after 3 requests\n"
    assert result.stderr == ""


def test_the_hosts_own_stamina_retries_are_still_reported_by_stamina() -> None:
    result = _run(host="hosts_own_flaky_call()")

    assert result.returncode == 0, result.stderr
    # Python's last-resort handler shows the host's own retry, and only that one.
    assert result.stderr.count("stamina.retry_scheduled") == 1


def test_a_program_that_configures_logging_sees_one_kit_async_line_per_retry() -> None:
    result = _run(setup="import logging; logging.basicConfig(level=logging.INFO)")

    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "retrying" in line]
    assert len(lines) == 2
    for attempt, line in enumerate(lines, 1):
        assert line.startswith("INFO:kit_async:retrying GET /v4/broadcasts/1 in ")
        assert f"(attempt {attempt} of 7 failed: status 503)" in line
    assert "stamina.retry_scheduled" not in result.stderr


SAVE_FAILS_ONCE = """
    import asyncio

    import kit_async
    from kit_async.testing import FakeKit

    calls = []


    def save_tokens(tokens):
        calls.append(tokens)
        if len(calls) == 1:
            raise ConnectionError(f"store down, could not write {tokens.refresh_token}")


    async def main():
        async with FakeKit(access_token="at_SECRET", refresh_token="rt_SECRET", client_id="app") as server:
            server.expire_tokens()
            async with kit_async.KitClient(
                access_token="at_SECRET",
                refresh_token="rt_SECRET",
                client_id="app",
                on_token_refresh=save_tokens,
                base_url=server.url,
                rate_limit=None,
            ) as kit:
                try:
                    await kit.broadcasts.get(1)
                except kit_async.TokenSaveError:
                    print("caught TokenSaveError")
                await kit.broadcasts.get(1)
        print("saved", len(calls) == 2)
        print("issued", calls[0].access_token, calls[0].refresh_token)


    asyncio.run(main())
"""


def test_a_program_that_configures_no_logging_still_sees_an_unsaved_token_pair() -> None:
    result = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", textwrap.dedent(SAVE_FAILS_ONCE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["caught TokenSaveError", "saved True"]
    issued = lines[2].split()[1:]
    # One line on stderr (Python's last-resort handler prints ERROR records), no token.
    (line,) = result.stderr.splitlines()
    assert "on_token_refresh raised ConnectionError" in line
    assert "the refreshed token pair is NOT saved" in line
    for secret in ("at_SECRET", "rt_SECRET", *issued):
        assert secret not in result.stderr

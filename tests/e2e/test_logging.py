"""What a host program sees of kit-async's logging.

Library code configures no logging. Each retry is one line of kit-async's own
(at INFO, on the `kit_async` logger) and, since stamina runs the retries,
stamina's own record of it (`stamina.retry_scheduled`, at WARNING on the
`stamina` logger, from stamina's default instrumentation), exactly as for
any stamina retry of the host program. kit-async leaves the `stamina` logger
and stamina's hooks to the host, which quiets stamina like any logger.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import stamina
from stamina.instrumentation import RetryDetails, get_on_retry_hooks, set_on_retry_hooks

from kit_async import InternalServerError, KitClient
from kit_async.testing import FakeKit

RETRIED_TWICE = """
    import asyncio

    import kit_async
    from kit_async.testing import FakeKit

    POLICY = kit_async.RetryPolicy(backoff_initial=0.01, backoff_max=0.02)


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
"""


def _run(setup: str = "") -> subprocess.CompletedProcess[str]:
    return _python(textwrap.dedent(RETRIED_TWICE).format(setup=setup))


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_a_program_that_configures_no_logging_sees_staminas_record_of_each_retry() -> None:
    result = _run()

    assert result.returncode == 0, result.stderr
    assert result.stdout == "fetched 1 after 3 requests\n"
    # Python's last-resort handler prints stamina's WARNING, as for any stamina
    # retry; kit-async's own line is at INFO, below it.
    assert result.stderr == "stamina.retry_scheduled\n" * 2


def test_a_program_that_quiets_the_stamina_logger_sees_nothing_on_stderr() -> None:
    result = _run(setup="import logging; logging.getLogger('stamina').setLevel(logging.ERROR)")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "fetched 1 after 3 requests\n"
    assert result.stderr == ""


def test_a_program_that_configures_logging_sees_one_kit_async_line_per_retry() -> None:
    result = _run(setup="import logging; logging.basicConfig(level=logging.INFO)")

    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "retrying" in line]
    assert len(lines) == 2
    for attempt, line in enumerate(lines, 1):
        assert line.startswith("INFO:kit_async:retrying GET /v4/broadcasts/{id} in ")
        assert f"(attempt {attempt} of 7 failed: status 503)" in line
    assert result.stderr.count("WARNING:stamina:stamina.retry_scheduled\n") == 2


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


def test_importing_kit_async_leaves_the_stamina_logger_to_the_program() -> None:
    result = _python(
        textwrap.dedent(
            """
            import logging

            import kit_async
            import kit_async._core.retry  # what retries, loaded however kit_async loads it

            kit_async.KitClient
            stamina = logging.getLogger("stamina")
            print(stamina.filters, stamina.handlers, stamina.level, stamina.propagate)
            """
        )
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "[] [] 0 True\n"


async def test_staminas_instrumentation_sees_each_retry_and_nothing_of_the_request() -> None:
    seen: list[RetryDetails] = []

    def hook(details: RetryDetails) -> None:
        seen.append(details)

    hooks = get_on_retry_hooks()
    set_on_retry_hooks([hook])
    try:
        async with FakeKit() as server:
            server.inject("503", times=2, path="/v4/broadcasts/1")
            async with KitClient(server.api_key, base_url=server.url, rate_limit=None) as kit:
                await kit.broadcasts.get(1)
    finally:
        set_on_retry_hooks(hooks)

    assert stamina.is_testing()  # the conftest's: no wait, as stamina reports
    assert [d.retry_num for d in seen] == [1, 2]  # the first attempt is stamina's too
    assert [d.wait_for for d in seen] == [0.0, 0.0]
    for details in seen:
        assert isinstance(details.caused_by, InternalServerError)
        assert details.caused_by.status_code == 503
        assert (details.name, details.args, details.kwargs) == ("<context block>", (), {})

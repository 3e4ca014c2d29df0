"""The `kit-async` command line, run in-process (and a few times as a process)
against a real FakeKit served from a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fakekit_thread import serve_in_thread

import kit_async
from kit_async._cli import main
from kit_async.testing import FakeKit

REPO = Path(__file__).resolve().parents[2]
# `python -m kit_async` with Ctrl-C (SIGINT) raising KeyboardInterrupt, as in a
# terminal, even when the test run itself was started with SIGINT ignored (a
# background job of a non-interactive shell), which the child would inherit.
KIT_ASYNC_WITH_CTRL_C = [
    sys.executable,
    "-c",
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'kit-async'; runpy.run_module('kit_async', run_name='__main__')",
]
FIELDS = ["broadcast_id", "url", "unique_clicks", "click_to_delivery_rate", "click_to_open_rate"]
# FakeKit(broadcasts=10) has two unsent broadcasts, 9 and 10.
SENT = list(range(1, 9))


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FakeKit]]:
    """Start a FakeKit (options as FakeKit's) and point the environment at it."""
    with contextlib.ExitStack() as stack:

        def start(**options: Any) -> FakeKit:
            options.setdefault("clicks", 250)
            server = stack.enter_context(serve_in_thread(**options))
            monkeypatch.setenv("KIT_API_KEY", server.api_key)
            monkeypatch.setenv("KIT_BASE_URL", server.url)
            return server

        yield start


@pytest.fixture
def server(serve: Callable[..., FakeKit]) -> FakeKit:
    """10 broadcasts (9 and 10 unsent) of 250 clicks."""
    return serve()


def expected_rows(server: FakeKit, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    return {b: [{"broadcast_id": b, **click} for click in server.clicks_of(b)] for b in ids}


def grouped(rows: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Rows by broadcast, in the order they were written."""
    groups: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["broadcast_id"], []).append(row)
    return groups


def jsonl_rows(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def csv_rows(text: str) -> tuple[list[str], list[dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    rows = [
        {
            "broadcast_id": int(b),
            "url": url,
            "unique_clicks": int(unique),
            "click_to_delivery_rate": float(ctdr),
            "click_to_open_rate": float(ctor),
        }
        for b, url, unique, ctdr, ctor in reader
    ]
    return header, rows


def assert_one_line_error(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("kit-async: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


def checkpoint_of(output: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        output.with_name(output.name + ".checkpoint.json").read_text()
    )
    return data


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def hide_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `import rich...` fail, as without the kit-async[cli] extra."""
    for name in [n for n in sys.modules if n == "rich" or n.startswith("rich.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "rich", None)


# -- clicks: output -----------------------------------------------------------------


def test_clicks_jsonl_to_stdout_equals_fakekit_data(server: FakeKit, capsys) -> None:
    assert main(["clicks", "2", "5", "--per-page", "100"]) == 0

    out = capsys.readouterr().out
    rows = jsonl_rows(out)
    assert grouped(rows) == expected_rows(server, [2, 5])
    assert len(rows) == 500
    assert list(rows[0]) == FIELDS


def test_clicks_csv_has_a_header_row_and_equals_fakekit_data(server: FakeKit, capsys) -> None:
    assert main(["clicks", "3", "4", "--format", "csv", "--per-page", "100"]) == 0

    header, rows = csv_rows(capsys.readouterr().out)
    assert header == FIELDS
    assert grouped(rows) == expected_rows(server, [3, 4])


def test_csv_file_equals_fakekit_data_and_checkpoint_is_removed(
    server: FakeKit, tmp_path: Path, capsys
) -> None:
    output = tmp_path / "clicks.csv"

    assert main(["clicks", "--all", "--format", "csv", "--output", str(output)]) == 0

    header, rows = csv_rows(output.read_text())
    assert header == FIELDS
    assert grouped(rows) == expected_rows(server, SENT)
    assert not (tmp_path / "clicks.csv.checkpoint.json").exists()
    assert capsys.readouterr() == ("", "")


def test_all_exports_every_sent_broadcast_and_never_asks_drafts(server: FakeKit, capsys) -> None:
    assert main(["clicks", "--all"]) == 0

    rows = jsonl_rows(capsys.readouterr().out)
    assert grouped(rows) == expected_rows(server, SENT)
    asked = {r.path for r in server.requests if r.path.endswith("/clicks")}
    assert asked == {f"/v4/broadcasts/{b}/clicks" for b in SENT}


def test_repeated_ids_are_exported_once(server: FakeKit, capsys) -> None:
    assert main(["clicks", "2", "2"]) == 0

    assert len(jsonl_rows(capsys.readouterr().out)) == 250


def test_unknown_or_unsent_ids_exit_4_after_exporting_the_others(server: FakeKit, capsys) -> None:
    code = main(["clicks", "1", "9", "99"])

    out, err = capsys.readouterr()
    assert code == 4
    assert grouped(jsonl_rows(out)) == expected_rows(server, [1])
    assert_one_line_error(err, "broadcasts 9, 99 answered 404")


# -- clicks: interruption and resume --------------------------------------------------


def _fail_midway(server: FakeKit, output: Path, fmt: str) -> list[str]:
    """Run an export that gives up on broadcast 3's second page; return its argv."""
    server.inject("503", path="/v4/broadcasts/3/clicks", after=FakeKit.cursor(100))
    argv = ["clicks", "--all", "--per-page", "100", "--format", fmt, "--output", str(output)]
    assert main([*argv, "--max-retries", "0"]) == 1
    return argv


def test_exhausted_retries_exit_1_with_one_line_and_keep_the_checkpoint(
    server: FakeKit, tmp_path: Path, capsys
) -> None:
    output = tmp_path / "clicks.jsonl"

    _fail_midway(server, output, "jsonl")

    assert_one_line_error(capsys.readouterr().err, "503", "/v4/broadcasts/3/clicks", "--resume")
    checkpoint = checkpoint_of(output)
    assert checkpoint["cursors"]["3"] == FakeKit.cursor(100)
    assert 3 not in checkpoint["finished"]
    assert checkpoint["offset"] == output.stat().st_size


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_writes_every_click_exactly_once_in_order(
    server: FakeKit, tmp_path: Path, capsys, fmt: str
) -> None:
    output = tmp_path / f"clicks.{fmt}"
    argv = _fail_midway(server, output, fmt)
    finished = checkpoint_of(output)["finished"]
    first_run_requests = len(server.requests)

    assert main([*argv, "--resume"]) == 0

    text = output.read_text()
    if fmt == "csv":
        header, rows = csv_rows(text)
        assert header == FIELDS
    else:
        rows = jsonl_rows(text)
    assert grouped(rows) == expected_rows(server, SENT)
    assert len(rows) == len(SENT) * 250
    assert not output.with_name(output.name + ".checkpoint.json").exists()
    resumed = [r for r in server.requests[first_run_requests:] if r.path.endswith("/clicks")]
    assert not {r.path for r in resumed} & {f"/v4/broadcasts/{b}/clicks" for b in finished}
    first_of_3 = next(r for r in resumed if r.path == "/v4/broadcasts/3/clicks")
    assert first_of_3.query["after"] == FakeKit.cursor(100)


def test_a_page_without_a_next_cursor_is_not_written_so_resume_duplicates_nothing(
    server: FakeKit, tmp_path: Path, capsys
) -> None:
    server.inject("missing_cursor", path="/v4/broadcasts/2/clicks", after=FakeKit.cursor(100))
    output = tmp_path / "clicks.jsonl"
    argv = ["clicks", "1", "2", "--per-page", "100", "--output", str(output)]

    assert main(argv) == 1
    assert_one_line_error(capsys.readouterr().err, "sent no cursor", "--resume")
    assert checkpoint_of(output)["cursors"]["2"] == FakeKit.cursor(100)

    assert main([*argv, "--resume"]) == 0
    assert grouped(jsonl_rows(output.read_text())) == expected_rows(server, [1, 2])


def test_resume_drops_a_partly_written_page(server: FakeKit, tmp_path: Path, capsys) -> None:
    output = tmp_path / "clicks.jsonl"
    argv = _fail_midway(server, output, "jsonl")
    with output.open("ab") as handle:  # as if the run died in the middle of a (long) page
        handle.write(b'{"broadcast_id": 3, "url": "https://example.com/3/' * 10_000)

    assert main([*argv, "--resume"]) == 0

    assert grouped(jsonl_rows(output.read_text())) == expected_rows(server, SENT)


def test_resume_with_other_arguments_is_a_usage_error(
    server: FakeKit, tmp_path: Path, capsys
) -> None:
    output = tmp_path / "clicks.out"
    argv = _fail_midway(server, output, "jsonl")
    capsys.readouterr()

    code = main([*[a if a != "jsonl" else "csv" for a in argv], "--resume"])

    assert code == 2
    assert_one_line_error(capsys.readouterr().err, "other arguments", "format")


def test_resume_without_a_checkpoint_starts_from_the_beginning(
    server: FakeKit, tmp_path: Path, capsys
) -> None:
    output = tmp_path / "clicks.jsonl"
    output.write_text("left over from something else\n")

    assert main(["clicks", "1", "--output", str(output), "--resume"]) == 0

    assert grouped(jsonl_rows(output.read_text())) == expected_rows(server, [1])
    assert "starting from the beginning" in capsys.readouterr().err


def _break_checkpoint(output: Path, how: str) -> str:
    """Damage an interrupted export's checkpoint or output; return the expected message."""
    path = output.with_name(output.name + ".checkpoint.json")
    data = json.loads(path.read_text())
    if how == "not json":
        path.write_text("{not json")
        return "not a usable checkpoint"
    if how == "other version":
        path.write_text(json.dumps({**data, "version": 99}))
        return "unsupported version (99)"
    if how == "field missing":
        del data["cursors"]
        path.write_text(json.dumps(data))
        return "not a usable checkpoint"
    if how == "negative offset":
        path.write_text(json.dumps({**data, "offset": -1}))
        return "negative offset"
    if how == "output deleted":
        output.unlink()
        return "is missing but its checkpoint is not"
    if how == "output shortened":
        output.write_bytes(output.read_bytes()[:10])
        return "is shorter (10 bytes) than its checkpoint records"
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "not json",
        "other version",
        "field missing",
        "negative offset",
        "output deleted",
        "output shortened",
    ],
)
def test_a_checkpoint_that_cannot_be_trusted_exits_5(
    server: FakeKit, tmp_path: Path, capsys, how: str
) -> None:
    output = tmp_path / "clicks.jsonl"
    argv = _fail_midway(server, output, "jsonl")
    message = _break_checkpoint(output, how)
    capsys.readouterr()

    assert main([*argv, "--resume"]) == 5
    assert_one_line_error(capsys.readouterr().err, message)


def test_a_run_without_resume_starts_over_and_says_so(
    server: FakeKit, tmp_path: Path, capsys
) -> None:
    output = tmp_path / "clicks.jsonl"
    argv = _fail_midway(server, output, "jsonl")
    capsys.readouterr()

    assert main(argv) == 0

    assert grouped(jsonl_rows(output.read_text())) == expected_rows(server, SENT)
    assert "starting over" in capsys.readouterr().err


def test_interrupt_in_process_exits_130_and_resume_completes(
    server: FakeKit, tmp_path: Path, monkeypatch, capsys
) -> None:
    from kit_async._cli._checkpoint import FileOutput

    write = FileOutput.write
    pages = 0

    def interrupted_write(self: FileOutput, *args: Any) -> None:
        nonlocal pages
        pages += 1
        if pages == 3:
            raise KeyboardInterrupt
        write(self, *args)

    monkeypatch.setattr(FileOutput, "write", interrupted_write)
    output = tmp_path / "clicks.jsonl"
    argv = ["clicks", "--all", "--per-page", "100", "--output", str(output)]

    assert main(argv) == 130
    assert capsys.readouterr().err == (
        "kit-async: interrupted; the checkpoint is saved; "
        "rerun the same command with --resume to continue\n"
    )
    assert len(jsonl_rows(output.read_text())) == 200

    monkeypatch.setattr(FileOutput, "write", write)
    assert main([*argv, "--resume"]) == 0
    assert grouped(jsonl_rows(output.read_text())) == expected_rows(server, SENT)


def test_missing_ids_in_a_file_export_exit_4_and_the_rest_is_complete(
    server: FakeKit, tmp_path: Path, capsys
) -> None:
    output = tmp_path / "clicks.jsonl"

    code = main(
        ["clicks", "9", "1", "--per-page", "100", "--concurrency", "1", "--output", str(output)]
    )

    assert code == 4
    assert_one_line_error(capsys.readouterr().err, "broadcast 9 answered 404")
    assert grouped(jsonl_rows(output.read_text())) == expected_rows(server, [1])
    assert not (tmp_path / "clicks.jsonl.checkpoint.json").exists()


@pytest.mark.parametrize("argv", [["clicks", "1", "--resume"], ["demo", "--resume"]])
def test_resume_without_output_is_a_usage_error(server: FakeKit, capsys, argv: list[str]) -> None:
    assert main(argv) == 2

    assert_one_line_error(capsys.readouterr().err, "--resume needs --output")


def test_output_in_a_missing_directory_exits_5(server: FakeKit, tmp_path: Path, capsys) -> None:
    code = main(["clicks", "1", "--output", str(tmp_path / "nowhere" / "clicks.jsonl")])

    assert code == 5
    assert_one_line_error(capsys.readouterr().err, "nowhere")


def test_ctrl_c_exits_130_with_the_checkpoint_saved_and_resume_completes(
    serve: Callable[..., FakeKit], tmp_path: Path, capsys
) -> None:
    # Slow enough to interrupt midway; few enough requests to stay under the
    # client's rate limit (120 a minute) across both runs.
    server = serve(latency=0.15)  # about 6 s in all: SIGINT lands midway even on a busy machine
    output = tmp_path / "clicks.jsonl"
    checkpoint = tmp_path / "clicks.jsonl.checkpoint.json"
    argv = ["clicks", "--all", "--per-page", "25", "--concurrency", "2", "--output", str(output)]
    process = subprocess.Popen(  # noqa: S603 - this package's own command line
        [*KIT_ASYNC_WITH_CTRL_C, *argv],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not (checkpoint.exists() and json.loads(checkpoint.read_text())["offset"] > 0):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no page was written"
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    finally:
        process.kill()

    assert process.returncode == 130
    assert err.strip().splitlines()[-1] == (
        "kit-async: interrupted; the checkpoint is saved; "
        "rerun the same command with --resume to continue"
    )
    assert json.loads(checkpoint.read_text())["offset"] == output.stat().st_size

    server.latency = 0
    assert main([*argv, "--resume"]) == 0
    assert grouped(jsonl_rows(output.read_text())) == expected_rows(server, SENT)


# -- configuration and usage errors -----------------------------------------------------


def test_no_credential_is_one_line_and_exit_3(capsys) -> None:
    assert main(["clicks", "1"]) == 3

    assert_one_line_error(capsys.readouterr().err, "no Kit credential", "KIT_API_KEY")


def test_both_credentials_are_refused_with_exit_3(monkeypatch, capsys) -> None:
    monkeypatch.setenv("KIT_API_KEY", "kit_a")
    monkeypatch.setenv("KIT_ACCESS_TOKEN", "token")

    assert main(["clicks", "1"]) == 3
    assert_one_line_error(capsys.readouterr().err, "set only one")


def test_plain_http_base_url_to_a_remote_host_is_exit_3(monkeypatch, capsys) -> None:
    monkeypatch.setenv("KIT_API_KEY", "kit_a")
    monkeypatch.setenv("KIT_BASE_URL", "http://api.kit.com")

    assert main(["clicks", "1"]) == 3
    assert_one_line_error(capsys.readouterr().err, "https://")


def test_a_refused_key_is_exit_3_and_never_printed(server: FakeKit, monkeypatch, capsys) -> None:
    monkeypatch.setenv("KIT_API_KEY", "kit_wrong_key_123")

    assert main(["clicks", "1"]) == 3
    err = capsys.readouterr().err
    assert_one_line_error(err, "401", "The API key is invalid")
    assert "kit_wrong_key_123" not in err


def test_a_port_out_of_range_in_the_base_url_is_exit_3(monkeypatch, capsys) -> None:
    monkeypatch.setenv("KIT_API_KEY", "kit_a")
    monkeypatch.setenv("KIT_BASE_URL", "https://api.kit.com:99999")

    assert main(["clicks", "1"]) == 3
    assert_one_line_error(
        capsys.readouterr().err, "bad configuration", "KIT_BASE_URL has an invalid port"
    )


@pytest.mark.parametrize("bad", ["12x", "0", "1.5", "٣"])
def test_a_non_integer_broadcast_id_is_a_usage_error(monkeypatch, capsys, bad: str) -> None:
    monkeypatch.setenv("KIT_API_KEY", "kit_a")

    assert main(["clicks", bad]) == 2
    assert_one_line_error(capsys.readouterr().err, f"invalid broadcast id {bad!r}")


@pytest.mark.parametrize("argv", [["clicks"], ["clicks", "1", "--all"], ["report"]])
def test_ids_or_all_exactly_one_is_required(capsys, argv: list[str]) -> None:
    assert main(argv) == 2
    assert_one_line_error(capsys.readouterr().err, "--all")


@pytest.mark.parametrize("value", ["1001", "0", "many"])
def test_per_page_outside_1_to_1000_is_a_usage_error(capsys, value: str) -> None:
    assert main(["clicks", "1", "--per-page", value]) == 2
    assert_one_line_error(capsys.readouterr().err, "between 1 and 1000")


def test_help_documents_the_exit_codes(capsys) -> None:
    assert main(["clicks", "--help"]) == 0

    out = capsys.readouterr().out
    assert "exit codes:" in out
    for code in ("0 ", "1 ", "2 ", "3 ", "4 ", "5 ", "130 ", "141 "):
        assert f"\n  {code}" in out


def test_the_docs_list_the_exit_codes_of_the_help() -> None:
    from kit_async._cli._errors import EXIT_CODES

    in_help = re.findall(r"^  (\d+) ", EXIT_CODES, re.MULTILINE)
    table = (REPO / "docs" / "cli.md").read_text().split("## Exit codes", 1)[1]
    in_docs = re.findall(r"^\| (\d+) +\|", table, re.MULTILINE)

    assert in_docs == in_help


def test_an_unexpected_exception_is_one_line_and_exit_1(
    server: FakeKit, monkeypatch, capsys
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("kit_async._cli._export.export_clicks", broken)

    assert main(["clicks", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kit-async: internal error: RuntimeError: boom")
    assert len(err.splitlines()) == 1


def test_kit_async_debug_shows_the_traceback_of_an_unexpected_exception(
    server: FakeKit, monkeypatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("kit_async._cli._export.export_clicks", broken)
    monkeypatch.setenv("KIT_ASYNC_DEBUG", "1")

    with pytest.raises(RuntimeError, match="boom"):
        main(["clicks", "1"])


def test_ctrl_c_before_the_export_starts_exits_130(monkeypatch, capsys) -> None:
    def interrupted(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("kit_async._cli.clicks._client", interrupted)

    assert main(["clicks", "1"]) == 130
    assert capsys.readouterr().err == "kit-async: interrupted\n"


def _documented_command_lines() -> list[list[str]]:
    """The arguments of every `kit-async` command in the bash blocks of docs/cli.md."""
    text = (REPO / "docs" / "cli.md").read_text()
    found = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.DOTALL):
        for line in block.splitlines():
            code = line.split("#", 1)[0]
            if "kit-async " not in code or "--help" in code:
                continue
            words = shlex.split(code[code.index("kit-async ") :])[1:]
            for i, word in enumerate(words):
                if word in {">", "|", "&&", ";"}:
                    words = words[:i]
                    break
                if word.endswith(";"):  # `until kit-async ... --resume; do`
                    words = [*words[:i], word.rstrip(";")]
                    break
            found.append(words)
    return found


def test_every_command_line_in_the_docs_is_valid() -> None:
    from kit_async._cli import _parser

    commands = _documented_command_lines()

    assert len(commands) >= 8
    for words in commands:
        args = _parser().parse_args(words)
        assert args.command in {"clicks", "report", "sync", "fake-server", "demo"}
        if args.command in {"clicks", "report"}:
            assert bool(args.broadcast_ids) != args.all, words


def test_no_command_prints_help_and_exits_2(capsys) -> None:
    assert main([]) == 2
    assert "clicks" in capsys.readouterr().err


# -- progress display -----------------------------------------------------------------


def test_progress_is_silent_when_stderr_is_not_a_terminal(
    server: FakeKit, tmp_path: Path, capsys
) -> None:
    assert main(["clicks", "--all", "--output", str(tmp_path / "c.jsonl")]) == 0

    assert capsys.readouterr().err == ""


@pytest.mark.requires_extra("cli")
def test_progress_shows_broadcasts_pages_and_clicks_on_a_terminal(
    server: FakeKit, tmp_path: Path, monkeypatch
) -> None:
    terminal = FakeTTY()
    monkeypatch.setattr(sys, "stderr", terminal)

    code = main(["clicks", "--all", "--per-page", "100", "--output", str(tmp_path / "c.jsonl")])

    assert code == 0
    shown = terminal.getvalue()
    assert "8/8" in shown
    assert "24 pages" in shown
    assert "2,000 clicks" in shown


def test_progress_stays_off_when_the_data_goes_to_the_terminal(
    server: FakeKit, monkeypatch
) -> None:
    stdout, stderr = FakeTTY(), FakeTTY()
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)

    assert main(["clicks", "1"]) == 0

    assert stderr.getvalue() == ""
    assert len(jsonl_rows(stdout.getvalue())) == 250


@pytest.mark.requires_extra("cli")
def test_progress_shows_how_long_the_rate_limiter_holds_requests(monkeypatch) -> None:
    from types import SimpleNamespace

    from kit_async._cli import _progress
    from kit_async._cli._export import ExportState

    terminal = FakeTTY()
    kit = SimpleNamespace(rate_limit=SimpleNamespace(requests=120, period=60.0, waiting=3))
    state = ExportState(total=4)
    progress = _progress._Progress(terminal, state, kit, "exporting", transient=False)  # type: ignore[arg-type]  # a stand-in client
    now = time.monotonic()

    async def show() -> None:
        monkeypatch.setattr(_progress.time, "monotonic", lambda: now)  # type: ignore[attr-defined]
        progress.start()
        progress.refresh()  # the requests start waiting
        monkeypatch.setattr(_progress.time, "monotonic", lambda: now + 7)  # type: ignore[attr-defined]
        await progress.stop()

    asyncio.run(show())

    assert "rate limit (120 per 60 s): 3 requests held back for 7 s" in terminal.getvalue()


def test_export_works_without_rich_and_shows_no_progress(
    server: FakeKit, tmp_path: Path, monkeypatch
) -> None:
    hide_rich(monkeypatch)
    terminal = FakeTTY()
    monkeypatch.setattr(sys, "stderr", terminal)
    output = tmp_path / "c.jsonl"

    assert main(["clicks", "--all", "--output", str(output)]) == 0

    assert terminal.getvalue() == ""
    assert grouped(jsonl_rows(output.read_text())) == expected_rows(server, SENT)


# -- report ---------------------------------------------------------------------------


def _top_urls(server: FakeKit, ids: list[int], n: int) -> list[str]:
    clicks = [row for rows in expected_rows(server, ids).values() for row in rows]
    clicks.sort(
        key=lambda c: (-c["unique_clicks"], -c["click_to_open_rate"], c["broadcast_id"], c["url"])
    )
    return [c["url"] for c in clicks[:n]]


def _report_urls(out: str) -> list[str]:
    return [word for line in out.splitlines() for word in line.split() if word.startswith("http")]


def test_report_prints_the_top_n_links_most_clicked_first(server: FakeKit, capsys) -> None:
    assert main(["report", "--all", "--top", "5"]) == 0

    out = capsys.readouterr().out
    assert _report_urls(out) == _top_urls(server, SENT, 5)
    assert "Top 5 links by unique clicks, of 2,000 links in 8 broadcasts" in out


def test_report_shows_broadcast_clicks_and_rates_of_each_link(server: FakeKit, capsys) -> None:
    assert main(["report", "4", "--top", "1"]) == 0

    [top] = [c for c in server.clicks_of(4) if c["url"] == _top_urls(server, [4], 1)[0]]
    row = next(line for line in capsys.readouterr().out.splitlines() if top["url"] in line)
    assert row.split() == [
        "1",
        top["url"],
        "4",
        f"{top['unique_clicks']:,}",
        f"{top['click_to_open_rate']:.2%}",
        f"{top['click_to_delivery_rate']:.2%}",
    ]


def test_report_of_an_unknown_id_shows_the_others_and_exits_4(server: FakeKit, capsys) -> None:
    assert main(["report", "1", "99", "--top", "2"]) == 4

    out, err = capsys.readouterr()
    assert _report_urls(out) == _top_urls(server, [1], 2)
    assert_one_line_error(err, "broadcast 99 answered 404")


def test_report_is_plain_aligned_text_without_rich(server: FakeKit, monkeypatch, capsys) -> None:
    hide_rich(monkeypatch)

    assert main(["report", "1", "2", "--top", "3"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == [
        "#",
        "URL",
        "Broadcast",
        "Unique",
        "clicks",
        "Click-to-open",
        "Click-to-delivery",
    ]
    assert _report_urls("\n".join(lines)) == _top_urls(server, [1, 2], 3)
    assert len({len(line) for line in lines[1:]}) == 1  # right-aligned columns end together


# -- fake-server and demo -------------------------------------------------------------


def test_fake_server_prints_how_to_use_it_serves_and_stops_on_ctrl_c(monkeypatch, capsys) -> None:
    process = subprocess.Popen(  # noqa: S603 - this package's own command line
        [
            *KIT_ASYNC_WITH_CTRL_C,
            "fake-server",
            "--port",
            "0",
            "--broadcasts",
            "3",
            "--clicks",
            "7",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("KIT_")},
    )
    timer = threading.Timer(20, process.kill)
    timer.start()
    try:
        printed: dict[str, str] = {}
        assert process.stdout is not None
        while "KIT_API_KEY" not in printed:
            line = process.stdout.readline()
            assert line, process.communicate()
            if line.strip().startswith("export "):
                name, _, value = line.strip().removeprefix("export ").partition("=")
                printed[name] = value
        monkeypatch.setenv("KIT_BASE_URL", printed["KIT_BASE_URL"])
        monkeypatch.setenv("KIT_API_KEY", printed["KIT_API_KEY"])

        assert main(["clicks", "--all"]) == 0
        rows = jsonl_rows(capsys.readouterr().out)

        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        timer.cancel()
        process.kill()
    assert [row["broadcast_id"] for row in rows] == [1] * 7  # broadcasts 2 and 3 are unsent
    assert process.returncode == 0
    assert "FakeKit stopped." in out
    assert err == ""


def test_fake_server_in_process_serves_until_ctrl_c(monkeypatch, capsys) -> None:
    import kit_async
    from kit_async._cli import fake_server

    printed: list[str] = []
    fetched: list[int] = []

    async def use_then_interrupt() -> None:
        printed.append(capsys.readouterr().out)
        url = printed[0].split("export KIT_BASE_URL=")[1].split()[0]
        async with kit_async.KitClient(fake_server.FAKE_SERVER_KEY, base_url=url) as kit:
            fetched.extend([c.unique_clicks async for c in kit.iter_broadcast_clicks(1)])
        raise KeyboardInterrupt

    monkeypatch.setattr(fake_server, "_until_interrupted", use_then_interrupt)

    code = main(["fake-server", "--port", "0", "--broadcasts", "4", "--clicks", "5"])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert len(fetched) == 5
    assert "FakeKit is serving a fake Kit account at http://127.0.0.1:" in printed[0]
    assert f"export KIT_API_KEY={fake_server.FAKE_SERVER_KEY}\n" in printed[0]
    assert out == "FakeKit stopped.\n"


def test_fake_server_on_a_busy_port_exits_5(capsys) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        assert main(["fake-server", "--port", str(port)]) == 5
    assert_one_line_error(capsys.readouterr().err, f"cannot listen on 127.0.0.1:{port}")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_demo_exports_the_demo_account_then_reports(tmp_path: Path, capsys, fmt: str) -> None:
    output = tmp_path / f"demo.{fmt}"

    assert main(["demo", "--format", fmt, "--output", str(output)]) == 0

    text = output.read_text()
    rows = csv_rows(text)[1] if fmt == "csv" else jsonl_rows(text)
    assert len(rows) == 10 * 2500  # 12 broadcasts, the last 2 unsent
    assert {row["broadcast_id"] for row in rows} == set(range(1, 11))
    err = capsys.readouterr().err
    assert "Top 10 links by unique clicks, of 25,000 links in 10 broadcasts" in err
    assert not (tmp_path / f"demo.{fmt}.checkpoint.json").exists()


def test_python_m_kit_async_demo_streams_jsonl_and_reports_on_stderr() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kit_async",
            "demo",
            "--broadcasts",
            "4",
            "--clicks",
            "300",
            "--top",
            "3",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("KIT_")},
        check=False,
    )

    assert result.returncode == 0, result.stderr
    rows = jsonl_rows(result.stdout)
    assert len(rows) == 2 * 300
    assert {row["broadcast_id"] for row in rows} == {1, 2}
    assert "Top 3 links by unique clicks, of 600 links in 2 broadcasts" in result.stderr
    assert "Traceback" not in result.stderr


# -- a reader that closed the pipe (`| head`) -----------------------------------------

KIT_ASYNC = [sys.executable, "-m", "kit_async"]
DEMO_DATA_INTRO = "kit-async: demo: a FakeKit demo account at http://127.0.0.1:"


def run_into_closed_pipe(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run `kit-async argv` with stdout a pipe whose reader is already gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(  # noqa: S603 - this package's own command line
            [*KIT_ASYNC, *argv],
            cwd=REPO,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)


def assert_nothing_said_about_the_pipe(err: str) -> None:
    for noise in ("Traceback", "internal error", "Exception ignored", "Broken pipe", "error:"):
        assert noise not in err, err


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        ["clicks", "--help"],
        ["report", "--help"],
        ["fake-server", "--port", "0"],
    ],
)
def test_a_closed_pipe_ends_with_141_and_nothing_on_stderr(argv: list[str]) -> None:
    result = run_into_closed_pipe(argv)

    assert result.returncode == 141, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["clicks", "1"],
        ["clicks", "1", "--format", "csv"],
        ["clicks", "--all", "--per-page", "10"],
        ["clicks", "1", "99"],  # a 404 too: the closed pipe ends it first
        ["report", "1", "2"],
    ],
)
def test_a_closed_pipe_ends_a_kit_command_with_141_and_nothing_on_stderr(
    server: FakeKit, argv: list[str]
) -> None:
    result = run_into_closed_pipe(argv)

    assert result.returncode == 141, result.stderr
    assert result.stderr == ""


def test_a_closed_pipe_ends_the_demo_with_141_after_its_introduction() -> None:
    result = run_into_closed_pipe(["demo", "--broadcasts", "4", "--clicks", "50"])

    assert result.returncode == 141, result.stderr
    assert_nothing_said_about_the_pipe(result.stderr)
    assert [line[: len(DEMO_DATA_INTRO)] for line in result.stderr.splitlines()] == [
        DEMO_DATA_INTRO
    ]


def test_a_closed_stdout_does_not_matter_to_an_export_to_a_file(
    server: FakeKit, tmp_path: Path
) -> None:
    output = tmp_path / "clicks.jsonl"

    result = run_into_closed_pipe(["clicks", "1", "--output", str(output)])

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert grouped(jsonl_rows(output.read_text())) == expected_rows(server, [1])


def test_the_executable_keeps_staminas_retry_warnings_off_stderr(server: FakeKit) -> None:
    server.inject("503", path="/v4/broadcasts/1/clicks")
    result = subprocess.run(  # noqa: S603 - this package's own command line
        [*KIT_ASYNC, "clicks", "1", "--output", os.devnull],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    statuses = [r.status for r in server.requests if r.path == "/v4/broadcasts/1/clicks"]
    assert statuses == [503, 200]  # retried once
    assert "stamina" not in result.stderr


@pytest.mark.parametrize("argv", [["clicks", "--all", "--per-page", "10"], ["demo"]])
def test_head_1_ends_a_streaming_export_with_141_and_no_error(
    server: FakeKit, argv: list[str]
) -> None:
    process = subprocess.Popen(  # noqa: S603 - this package's own command line
        [*KIT_ASYNC, *argv], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    timer = threading.Timer(30, process.kill)  # a readline() that never ends
    timer.start()
    try:
        assert process.stdout.readline().startswith(b'{"broadcast_id": ')
        process.stdout.close()  # like `kit-async ... | head -1`
        err = process.communicate(timeout=30)[1].decode()
    finally:
        timer.cancel()
        process.kill()

    assert process.returncode == 141, err
    assert_nothing_said_about_the_pipe(err)
    assert "stamina" not in err  # no request was retried after the client closed
    if argv[0] == "clicks":
        assert err == ""


def test_fake_server_stopped_by_ctrl_c_exits_0_when_its_reader_is_gone() -> None:
    process = subprocess.Popen(  # noqa: S603 - this package's own command line
        [*KIT_ASYNC_WITH_CTRL_C, "fake-server", "--port", "0", "--broadcasts", "1"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("KIT_")},
    )
    assert process.stdout is not None
    timer = threading.Timer(30, process.kill)  # a readline() that never ends
    timer.start()
    try:
        while "Press Ctrl-C to stop." not in process.stdout.readline():
            assert process.poll() is None, process.communicate()
        process.stdout.close()  # like `kit-async fake-server | head -3`
        process.send_signal(signal.SIGINT)
        err = process.communicate(timeout=20)[1]
    finally:
        timer.cancel()
        process.kill()

    assert process.returncode == 0, err
    assert err == ""


# -- stdout or the output on a full disk ----------------------------------------------

needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")


@needs_dev_full
@pytest.mark.parametrize(
    ("argv", "where"),
    [
        (["clicks", "1"], "stdout"),
        (["report", "1"], "stdout"),
        (["--help"], "stdout"),
        (["clicks", "1", "--output", "/dev/full"], "/dev/full"),
    ],
)
def test_a_full_disk_is_one_line_and_exit_5(server: FakeKit, argv: list[str], where: str) -> None:
    with Path("/dev/full").open("w") as full:
        result = subprocess.run(  # noqa: S603 - this package's own command line
            [*KIT_ASYNC, *argv],
            cwd=REPO,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )

    assert result.returncode == 5, result.stderr
    assert_one_line_error(result.stderr, f"cannot write to {where}: No space left on device")


# -- stdout or stderr closed before the start (`>&-`) ----------------------------------


def run_with_closed(fd: int, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run `kit-async argv` with file descriptor `fd` closed, as `>&-` does."""
    return subprocess.run(  # noqa: S603 - this package's own command line
        ["/bin/sh", "-c", f'exec "$0" "$@" {fd}>&-', *KIT_ASYNC, *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("argv", [["--version"], ["clicks", "1"], ["report", "1"]])
def test_a_closed_stdout_is_one_line_and_exit_5(server: FakeKit, argv: list[str]) -> None:
    result = run_with_closed(1, argv)

    assert result.returncode == 5, result.stderr
    assert_one_line_error(result.stderr, "cannot write to stdout: it is closed")


def test_a_closed_stdout_does_not_stop_an_export_to_a_file(server: FakeKit, tmp_path: Path) -> None:
    output = tmp_path / "clicks.jsonl"

    result = run_with_closed(1, ["clicks", "1", "--output", str(output)])

    assert result.returncode == 0, result.stderr
    assert grouped(jsonl_rows(output.read_text())) == expected_rows(server, [1])


def test_a_closed_stderr_keeps_messages_out_of_the_data(server: FakeKit) -> None:
    result = run_with_closed(2, ["clicks", "1", "99"])

    assert result.returncode == 4
    assert grouped(jsonl_rows(result.stdout)) == expected_rows(server, [1])


# -- --output to a device or a FIFO ---------------------------------------------------


def test_output_to_dev_null_exports_without_a_checkpoint(server: FakeKit, capsys) -> None:
    assert main(["clicks", "--all", "--output", os.devnull]) == 0

    assert capsys.readouterr() == ("", "")
    assert not Path(os.devnull + ".checkpoint.json").exists()
    assert not Path(os.devnull + ".checkpoint.json.tmp").exists()
    assert {r.path for r in server.requests if r.path.endswith("/clicks")} == {
        f"/v4/broadcasts/{b}/clicks" for b in SENT
    }


def test_resume_to_a_device_is_a_usage_error(server: FakeKit, capsys) -> None:
    assert main(["clicks", "1", "--output", os.devnull, "--resume"]) == 2

    assert_one_line_error(capsys.readouterr().err, "--resume needs a regular file", os.devnull)


def test_a_failed_export_to_a_device_does_not_suggest_resume(server: FakeKit, capsys) -> None:
    server.inject("503", path="/v4/broadcasts/1/clicks")

    assert main(["clicks", "1", "--output", os.devnull, "--max-retries", "0"]) == 1

    err = capsys.readouterr().err
    assert_one_line_error(err, "503")
    assert "--resume" not in err


def test_demo_to_dev_null_reports_what_it_exported(capsys) -> None:
    argv = ["demo", "--broadcasts", "4", "--clicks", "30", "--top", "2", "--output", os.devnull]

    assert main(argv) == 0

    err = capsys.readouterr().err
    assert f"wrote 60 clicks to {os.devnull}" in err
    assert "Top 2 links by unique clicks, of 60 links in 2 broadcasts" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_output_to_a_fifo_streams_into_it_without_a_checkpoint(
    server: FakeKit, tmp_path: Path, capsys
) -> None:
    fifo = tmp_path / "clicks.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    try:
        code = main(["clicks", "1", "2", "--format", "csv", "--output", str(fifo)])
    finally:
        # Should main() not have opened it, let a reader still waiting go
        # (without blocking when there is none: ENXIO).
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(10)

    assert code == 0, capsys.readouterr().err
    header, rows = csv_rows(received[0])
    assert header == FIELDS
    assert grouped(rows) == expected_rows(server, [1, 2])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clicks.fifo"]


# -- a checkpoint that cannot be written ----------------------------------------------


@pytest.mark.parametrize("blocked", [".checkpoint.json", ".checkpoint.json.tmp"])
def test_an_unwritable_checkpoint_exits_5_and_leaves_the_output_untouched(
    server: FakeKit, tmp_path: Path, capsys, blocked: str
) -> None:
    output = tmp_path / "clicks.jsonl"
    output.write_text("an earlier export, precious\n")
    (tmp_path / f"clicks.jsonl{blocked}").mkdir()  # the checkpoint cannot be written there

    code = main(["clicks", "1", "--output", str(output)])

    assert code == 5
    assert_one_line_error(
        capsys.readouterr().err, "cannot write the checkpoint", "was left as it was"
    )
    assert output.read_text() == "an earlier export, precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clicks.jsonl", f"clicks.jsonl{blocked}"]


def test_an_unwritable_checkpoint_leaves_no_new_output_behind(
    server: FakeKit, tmp_path: Path, capsys
) -> None:
    (tmp_path / "clicks.jsonl.checkpoint.json").mkdir()

    assert main(["clicks", "1", "--output", str(tmp_path / "clicks.jsonl")]) == 5

    assert_one_line_error(capsys.readouterr().err, "cannot write the checkpoint")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clicks.jsonl.checkpoint.json"]


def test_a_run_that_died_before_its_header_resumes_with_one(
    server: FakeKit, tmp_path: Path, capsys
) -> None:
    output = tmp_path / "clicks.csv"
    argv = ["clicks", "1", "--format", "csv", "--output", str(output)]
    assert main(argv) == 0
    exported = output.read_text()
    # What a run that died right after its first checkpoint leaves: an output
    # not yet emptied (here, the previous export) and a checkpoint at offset 0.
    checkpoint = output.with_name(output.name + ".checkpoint.json")
    arguments = {
        "command": "clicks",
        "broadcasts": [1],
        "format": "csv",
        "per_page": 1000,
        "base_url": server.url,
    }
    checkpoint.write_text(
        json.dumps(
            {
                "version": 1,
                "arguments": arguments,
                "offset": 0,
                "finished": [],
                "missing": [],
                "cursors": {},
            }
        )
    )

    assert main([*argv, "--resume"]) == 0

    assert output.read_text() == exported


# -- the export stops its fetchers ----------------------------------------------------


def _running_library_tasks() -> list[asyncio.Task[Any]]:
    """Tasks still running code of kit_async itself (not of its fake server)."""
    package = Path(kit_async.__file__).parent
    found = []
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        if task.done() or task is asyncio.current_task() or code is None:
            continue
        where = Path(code.co_filename)
        if where.is_relative_to(package) and not where.is_relative_to(package / "testing"):
            found.append(task)
    return found


async def test_export_clicks_stops_every_fetcher_before_an_output_error_escapes(
    fake_kit: FakeKit,
) -> None:
    from kit_async._cli._export import ExportState, export_clicks
    from kit_async._cli._outputs import NullOutput

    class ClosedPipe(NullOutput):
        def write(self, item: Any, missing: Any) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    async with kit_async.KitClient(fake_kit.api_key, base_url=fake_kit.url) as kit:
        with pytest.raises(BrokenPipeError):
            await export_clicks(
                kit, None, ClosedPipe(), per_page=10, concurrency=4, state=ExportState()
            )

        assert _running_library_tasks() == []

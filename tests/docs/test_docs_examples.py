"""Every Python example of the docs runs, against a real FakeKit, so the docs cannot rot.

The convention, for whoever writes docs:

- Every fenced `python` block of README.md and docs/*.md is executed. The blocks
  of one page run in order, in one namespace and one working directory (a
  fresh temporary one), like a session of `python -m asyncio`: a block may use
  top-level `await`, and may use what an earlier block of the same page defined.
  A block without top-level `await` runs in a worker thread, so it may call
  `asyncio.run()` itself, as a script would.
- Examples are written as users write them: `kit_async.KitClient()` reads
  `KIT_API_KEY` and `KIT_BASE_URL`, which point at a shared `FakeKit` (10
  broadcasts of 1,200 clicks; ids 1..8 are sent, 9 and 10 are drafts) whose API
  key is the literal `"kit_..."`, so `KitClient(api_key="kit_...")` works too.
  `REDIS_URL` points at a throwaway redis-server on pages that mention it.
- A block that cannot run here is preceded by `<!-- not-executed: reason -->`.
  Only the blocks listed in `NOT_EXECUTED` may be: a new one fails the tests.

The fenced examples in the public docstrings (rendered in the API reference) run
too, with `kit_async`, `FakeKit` and a client named `kit` defined, against a
`FakeKit` with 150 broadcasts (so ids such as 147 exist).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import logging
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import pytest
from docs_examples import ROOT, Example, compile_example, extract_examples, run_example

import kit_async
import kit_async.errors
import kit_async.models
import kit_async.resources
import kit_async.sync
import kit_async.testing
import kit_async.webhooks
from kit_async.testing import FakeKit

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: The API key the docs use as a placeholder; the docs' FakeKit accepts it.
DOCS_API_KEY = "kit_..."
#: Pages whose blocks may be marked `<!-- not-executed: ... -->`, and how many.
NOT_EXECUTED = {
    "docs/webhooks.md": 1,
    # OpenTelemetry's providers are process-wide and set once: the tests set their own.
    "docs/observability.md": 2,
}
PAGE_TIMEOUT = 60.0


def page_examples(page: Path) -> list[Example]:
    return extract_examples(page.read_text(encoding="utf-8"), page.relative_to(ROOT).as_posix())


def _public_objects() -> Iterator[tuple[str, object]]:
    """What the API reference renders: the public modules and their members."""
    for module in (
        kit_async,
        kit_async.errors,
        kit_async.models,
        kit_async.resources,
        kit_async.sync,
        kit_async.testing,
        kit_async.webhooks,
    ):
        yield module.__name__, module
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                yield f"{module.__name__}.{name}", obj


def docstring_examples() -> list[Example]:
    found: dict[str, Example] = {}
    for path, obj in _public_objects():
        owners: list[tuple[str, object]] = [(path, obj)]
        if inspect.isclass(obj):
            # Inherited from kit-async's own base classes too, as the reference
            # renders them (FakeKit's accounts and seeding live in base classes).
            members: dict[str, object] = {}
            for base in reversed(obj.__mro__):
                if base.__module__.startswith("kit_async"):
                    members.update(vars(base))
            for name, member in members.items():
                if name.startswith("_"):
                    continue
                target = member.fget if isinstance(member, property) else member
                if inspect.isfunction(target):
                    owners.append((f"{path}.{name}", target))
        for where, owner in owners:
            doc = owner.__doc__
            if not doc:
                continue
            for example in extract_examples(inspect.cleandoc(doc), where):
                found.setdefault(example.source, example)  # the first owner names it
    return list(found.values())


# -- the servers ----------------------------------------------------------------------


class _BackgroundServers:
    """FakeKits on an event loop of their own, so examples may call asyncio.run()."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="docs FakeKit")
        self._servers: list[FakeKit] = []

    def _call(self, coro: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    def start(self, server: FakeKit) -> FakeKit:
        if not self._thread.is_alive():
            self._thread.start()
        self._call(server.start())
        self._servers.append(server)
        return server

    def stop(self) -> None:
        for server in self._servers:
            self._call(server.close())
        self._call(self.loop.shutdown_asyncgens())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


@attrs.frozen
class DocsServers:
    pages: FakeKit  # the default account the pages are written for
    docstrings: FakeKit  # 150 broadcasts, for the ids the docstrings use


def _docstring_account(server: FakeKit) -> FakeKit:
    """What the docstrings name besides broadcasts: alice@example.com, form 1, sequence 1."""
    alice = server.add_subscriber("alice@example.com", first_name="Alice")
    server.subscribe_to_form(server.add_form("Newsletter"), alice)
    server.add_to_sequence(server.add_sequence("Welcome"), alice)
    return server


@pytest.fixture(scope="session")
def docs_servers() -> Iterator[DocsServers]:
    background = _BackgroundServers()
    try:
        yield DocsServers(
            pages=background.start(FakeKit(api_key=DOCS_API_KEY)),
            docstrings=background.start(
                _docstring_account(FakeKit(api_key=DOCS_API_KEY, broadcasts=150, clicks=3))
            ),
        )
    finally:
        background.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed (needed by the shared rate-limit example)")
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - a fixed binary with fixed arguments
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("redis-server did not start")
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def docs_env(
    docs_servers: DocsServers, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    """The environment a reader has: a key, a base URL, an empty working directory."""
    monkeypatch.setenv("KIT_API_KEY", DOCS_API_KEY)
    monkeypatch.setenv("KIT_BASE_URL", docs_servers.pages.url)
    monkeypatch.chdir(tmp_path)
    # Examples may configure logging, as readers will; undo it afterwards.
    loggers = [logging.getLogger(name) for name in (None, "kit_async", "stamina")]
    levels = [logger.level for logger in loggers]
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


# -- running examples -------------------------------------------------------------------


def _run_page(examples: list[Example], filename: str) -> None:
    namespace: dict[str, Any] = {"__name__": "__main__"}

    async def run_all() -> None:
        for example in examples:
            await run_example(example, filename, namespace)

    asyncio.run(asyncio.wait_for(run_all(), PAGE_TIMEOUT))


def _marks(sources: list[str]) -> list[pytest.MarkDecorator]:
    marks = []
    # A shared rate-limit storage needs the `limits` package of kit-async[redis].
    if any("storage=" in s for s in sources):
        marks.append(pytest.mark.requires_extra("redis"))
    # A sync into SQLite needs aiosqlite, of kit-async[sync].
    if any("kit_async.sync" in s for s in sources):
        marks.append(pytest.mark.requires_extra("sync"))
    # A token store encrypts with cryptography, of kit-async[apps].
    if any("open_token_store" in s for s in sources):
        marks.append(pytest.mark.requires_extra("apps"))
    # A fleet's queue is arq's, of kit-async[fleet].
    if any("kit_async.fleet" in s for s in sources):
        marks.append(pytest.mark.requires_extra("fleet"))
    # An SQLite URL, or a webhook inbox (on an SQLite file by default), needs aiosqlite.
    if any("sqlite://" in s or "Inbox(" in s for s in sources):
        marks.append(pytest.mark.requires_extra("sync"))
    return marks


# -- the tests --------------------------------------------------------------------------


_RUNNABLE_PAGES = [
    pytest.param(
        page,
        id=page.relative_to(ROOT).as_posix(),
        marks=_marks([e.source for e in page_examples(page) if not e.not_executed]),
    )
    for page in PAGES
    if any(not e.not_executed for e in page_examples(page))
]


@pytest.mark.parametrize("page", _RUNNABLE_PAGES)
@pytest.mark.usefixtures("docs_env")
def test_page_examples_run(page: Path, request: pytest.FixtureRequest) -> None:
    examples = [example for example in page_examples(page) if not example.not_executed]
    uses_redis = any("REDIS_URL" in example.source for example in examples)
    if uses_redis:
        request.getfixturevalue("monkeypatch").setenv(
            "REDIS_URL", request.getfixturevalue("redis_url")
        )
    _run_page(examples, str(page))
    # The examples close what they open (a Redis-backed RateLimit included,
    # with `aclose()`): anything left behind warns here, and warnings fail.
    gc.collect()


def test_only_the_listed_examples_are_not_executed() -> None:
    marked: dict[str, int] = {}
    for page in PAGES:
        for example in page_examples(page):
            if example.not_executed:
                marked[example.where] = marked.get(example.where, 0) + 1
    assert marked == NOT_EXECUTED


def test_readme_headline_example_is_executed() -> None:
    examples = page_examples(ROOT / "README.md")
    assert any("iter_broadcast_clicks" in e.source and not e.not_executed for e in examples)


def test_extractor_finds_indented_fences_and_marks() -> None:
    text = (
        "!!! note\n"
        "    ```python\n"
        "    print(1)\n"
        "    ```\n"
        "<!-- not-executed: needs a real Kit account -->\n"
        "```python\n"
        "print(2)\n"
        "```\n"
        "```bash\n"
        "echo 3\n"
        "```\n"
    )
    examples = extract_examples(text, "page.md")
    assert [(e.line, e.source, e.not_executed) for e in examples] == [
        (3, "print(1)\n", None),
        (7, "print(2)\n", "needs a real Kit account"),
    ]


def test_extractor_refuses_a_mark_that_is_not_above_a_python_fence() -> None:
    with pytest.raises(ValueError, match="right above a python fence"):
        extract_examples("<!-- not-executed: why -->\n\n```python\nx = 1\n```\n", "page.md")


def test_a_failing_example_fails_its_page_at_its_own_line() -> None:
    examples = [
        Example("page.md", 3, "import asyncio\nvalue = asyncio.run(asyncio.sleep(0, 41))\n"),
        Example("page.md", 9, "await asyncio.sleep(0)\nassert value == 42\n"),
    ]
    with pytest.raises(AssertionError) as raised:
        _run_page(examples, "page.md")
    assert raised.traceback[-1].lineno + 1 == 10  # pytest's line numbers start at 0


_DOCSTRING_EXAMPLES = docstring_examples()


def test_docstring_examples_are_collected() -> None:
    where = {example.where for example in _DOCSTRING_EXAMPLES}
    assert {"kit_async.KitClient", "kit_async.testing.FakeKit", "kit_async.RateLimit"} <= where


@pytest.mark.parametrize(
    "example",
    [pytest.param(e, id=e.where, marks=_marks([e.source])) for e in _DOCSTRING_EXAMPLES],
)
@pytest.mark.usefixtures("docs_env")
def test_docstring_example_runs(
    example: Example, docs_servers: DocsServers, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server = docs_servers.docstrings
    monkeypatch.setenv("KIT_BASE_URL", server.url)
    monkeypatch.chdir(tmp_path)  # files an example writes (a database) go there

    async def run() -> None:
        async with kit_async.KitClient(DOCS_API_KEY, base_url=server.url) as kit:
            namespace = {"__name__": "__main__", "kit_async": kit_async, "FakeKit": FakeKit}
            namespace["kit"] = kit
            await run_example(example, f"<docstring of {example.where}>", namespace)

    asyncio.run(asyncio.wait_for(run(), PAGE_TIMEOUT))


def test_api_reference_renders_every_public_name() -> None:
    reference = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    for module in ("errors", "models", "oauth", "testing", "sync", "webhooks"):
        assert f"::: kit_async.{module}\n" in reference  # the whole module, by its __all__
    # kit_async's own members are listed one by one: the errors and the models
    # have their own sections, under their home module.
    section = reference[
        reference.index("::: kit_async\n") : reference.index("::: kit_async.models")
    ]
    listed = set(re.findall(r"^ +- (\w+)$", section, flags=re.MULTILINE))
    expected = (
        set(kit_async.__all__)
        - set(kit_async.errors.__all__)
        - set(kit_async.models.__all__)
        - {"__version__"}
    )
    assert listed == expected
    # Each class of kit_async.resources: a section of its own or a listed member.
    rendered = set(re.findall(r"^::: kit_async\.resources\.(\w+)$", reference, flags=re.MULTILINE))
    section = reference[
        reference.index("::: kit_async.resources\n", reference.index("typed dicts")) :
    ]
    members = set(re.findall(r"^ +- (\w+)$", section[: section.index("\n## ")], flags=re.MULTILINE))
    assert rendered | members == set(kit_async.resources.__all__)
    assert not rendered & members


def test_the_testing_guides_pytest_fixture_runs_as_written_in_a_fresh_project(
    tmp_path: Path,
) -> None:
    """Copied into a project with no pytest configuration (pytest-asyncio's strict mode)."""
    page = ROOT / "docs" / "testing.md"
    text = page.read_text()
    section = text[text.index("## A pytest fixture") :]
    section = section[: section.index("\n## ", 1)]
    examples = extract_examples(section, "docs/testing.md")
    assert examples, "the guide's pytest section has no python block"
    (tmp_path / "test_users_code.py").write_text("\n\n".join(e.source for e in examples))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # a fresh project: no asyncio_mode

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "asyncio: mode=Mode.STRICT" in result.stdout
    assert "test_counts_every_click_across_pages PASSED" in result.stdout


# -- the web-app recipes with bad input ---------------------------------------------------

WEB_APPS = ROOT / "docs" / "web-apps.md"
TOP_N = "n must be a whole number from 1 to 100"
AN_ID = "broadcast_id must be a whole number of 1 or more"


def _recipe(marker: str) -> dict[str, Any]:
    """The names the recipe of docs/web-apps.md holding `marker` defines, as a reader copies it."""
    (recipe,) = [e for e in page_examples(WEB_APPS) if not e.not_executed and marker in e.source]
    namespace: dict[str, Any] = {"__name__": "recipe"}
    exec(compile_example(recipe, str(WEB_APPS)), namespace)  # noqa: S102 - our own documentation
    return namespace


def _get(path: str) -> tuple[int, Any]:
    from aiohttp.test_utils import TestClient, TestServer

    create_app = _recipe("def create_app")["create_app"]

    async def get() -> tuple[int, Any]:
        async with TestClient(TestServer(create_app())) as client:
            response = await client.get(path)
            return response.status, await response.json()

    return asyncio.run(get())


@pytest.mark.usefixtures("docs_env")
@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("/broadcasts/0/top-links", 400, AN_ID),
        ("/broadcasts/-1/top-links", 400, AN_ID),
        ("/broadcasts/abc/top-links", 400, AN_ID),
        ("/broadcasts/%201/top-links", 400, AN_ID),
        ("/broadcasts/1/top-links?n=abc", 400, TOP_N),
        ("/broadcasts/1/top-links?n=-1", 400, TOP_N),
        ("/broadcasts/1/top-links?n=0", 400, TOP_N),
        ("/broadcasts/1/top-links?n=101", 400, TOP_N),
        ("/broadcasts/1/top-links?n=", 400, TOP_N),
        ("/broadcasts/9/top-links", 404, "no such sent broadcast"),  # a draft
        ("/broadcasts/424242/top-links", 404, "no such sent broadcast"),
    ],
)
def test_the_aiohttp_recipe_answers_bad_input_with_a_4xx_saying_why(
    path: str, status: int, detail: str
) -> None:
    assert _get(path) == (status, {"detail": detail})


@pytest.mark.usefixtures("docs_env")
def test_the_aiohttp_recipe_answers_the_top_links_as_jsonable_clicks(
    docs_servers: DocsServers,
) -> None:
    status, body = _get("/broadcasts/1/top-links?n=3")

    clicks = sorted(docs_servers.pages.clicks_of(1), key=lambda c: -c["unique_clicks"])
    assert status == 200
    assert [link["url"] for link in body] == [c["url"] for c in clicks[:3]]
    assert set(body[0]) == {
        "broadcast_id",
        "url",
        "unique_clicks",
        "click_to_delivery_rate",
        "click_to_open_rate",
    }


def _fastapi_get(path: str) -> tuple[int, Any]:
    """GET `path` from the FastAPI recipe, served as a reader serves it: by uvicorn."""
    import uvicorn

    app = _recipe("FastAPI(lifespan=lifespan)")["app"]

    async def get() -> tuple[int, Any]:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        try:
            async with asyncio.timeout(10):
                while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, no event
                    await asyncio.sleep(0.01)
            port = server.servers[0].sockets[0].getsockname()[1]
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{port}{path}") as response,
            ):
                return response.status, await response.json()
        finally:
            # The lifespan's exit closes the recipe's KitClient.
            server.should_exit = True
            await serving

    return asyncio.run(get())


@pytest.mark.usefixtures("docs_env")
@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("/broadcasts/0/top-links", ["path", "broadcast_id"]),
        ("/broadcasts/-1/top-links", ["path", "broadcast_id"]),
        ("/broadcasts/abc/top-links", ["path", "broadcast_id"]),
        ("/broadcasts/1/top-links?n=abc", ["query", "n"]),
        ("/broadcasts/1/top-links?n=-1", ["query", "n"]),
        ("/broadcasts/1/top-links?n=0", ["query", "n"]),
        ("/broadcasts/1/top-links?n=101", ["query", "n"]),
    ],
)
def test_the_fastapi_recipe_answers_bad_input_with_a_422_naming_the_parameter(
    path: str, where: list[str]
) -> None:
    status, body = _fastapi_get(path)

    assert status == 422
    assert [error["loc"] for error in body["detail"]] == [where]


@pytest.mark.usefixtures("docs_env")
@pytest.mark.parametrize("broadcast_id", [9, 424242])  # a draft, an unknown id
def test_the_fastapi_recipe_answers_404_for_a_broadcast_without_clicks(broadcast_id: int) -> None:
    assert _fastapi_get(f"/broadcasts/{broadcast_id}/top-links") == (
        404,
        {"detail": "no such sent broadcast"},
    )


@pytest.mark.usefixtures("docs_env")
def test_the_fastapi_recipe_answers_the_top_links_as_jsonable_clicks(
    docs_servers: DocsServers,
) -> None:
    status, body = _fastapi_get("/broadcasts/1/top-links?n=3")

    clicks = sorted(docs_servers.pages.clicks_of(1), key=lambda c: -c["unique_clicks"])
    assert status == 200
    assert [link["url"] for link in body] == [c["url"] for c in clicks[:3]]
    assert [link["unique_clicks"] for link in body] == [c["unique_clicks"] for c in clicks[:3]]

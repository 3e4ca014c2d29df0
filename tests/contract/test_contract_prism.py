"""Contract tests: the client against Prism serving Kit's own API description.

Prism (`prism mock --errors`) validates every request against a vendored
description of Kit's (`kit-openapi-v4.json` of April 2025,
`kit-openapi-v4-2026.json` with the corrections listed in README.md, and
`kit-openapi-v4-2026-12.json`, the same plus the delivery history) and
answers an invalid one with a 4xx, which the client raises; a valid one gets
the description's example response. So for every operation the library
declares, these tests check that its request is valid and that Kit's
documented example decodes into the models. See README.md in this folder for
the origin of the files, the pinned Prism and the quirks of the descriptions.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import pkgutil
import re
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import pytest

import kit_async
import kit_async._resources
from kit_async._core.declarations import Bulk, Endpoint, ListEndpoint, NoContent

pytestmark = pytest.mark.contract

HERE = Path(__file__).resolve().parent
DESCRIPTION = HERE / "kit-openapi-v4.json"
DESCRIPTION_2026 = HERE / "kit-openapi-v4-2026.json"
DESCRIPTION_2026_12 = HERE / "kit-openapi-v4-2026-12.json"
PRISM = HERE / "node_modules" / ".bin" / "prism"
INSTALL_TIMEOUT = 600.0
# How long npm's registry has to answer `npm ping` before the install is tried.
PROBE_TIMEOUT = 10.0
# Set to 1 (CI does, in .ci/run) to fail, not skip, when Prism cannot run here.
REQUIRE_CONTRACT = "KIT_ASYNC_REQUIRE_CONTRACT"
START_TIMEOUT = 60.0
# npm's words for "no network"; any other install failure fails the tests.
_OFFLINE = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH")

SPEC: dict[str, Any] = json.loads(DESCRIPTION.read_text(encoding="utf-8"))

CLICKS = "/v4/broadcasts/{broadcast_id}/clicks"
LIST = "/v4/broadcasts"
GET = "/v4/broadcasts/{id}"
STATS = "/v4/broadcasts/{broadcast_id}/stats"


def ok_response(path: str) -> dict[str, Any]:
    content: dict[str, Any] = SPEC["paths"][path]["get"]["responses"]["200"]["content"]
    return content["application/json"]  # type: ignore[no-any-return]


def example(path: str) -> dict[str, Any]:
    return ok_response(path)["example"]  # type: ignore[no-any-return]


# -- Prism --------------------------------------------------------------------------------


def pinned_version(prefix: Path = HERE) -> str:
    manifest = json.loads((prefix / "package.json").read_text(encoding="utf-8"))
    version: str = manifest["dependencies"]["@stoplight/prism-cli"]
    return version


def installed_version(prefix: Path = HERE) -> str | None:
    manifest = prefix / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    if not (manifest.is_file() and (prefix / "node_modules" / ".bin" / "prism").exists()):
        return None
    version: str = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    return version


@attrs.frozen
class PrismSetup:
    """Whether the pinned Prism can run here, and if not, why (the skip or failure text)."""

    ready: bool
    reason: str = ""
    # True when the reason is the machine (no Node.js, no network): a skip,
    # unless REQUIRE_CONTRACT is set. False: the install itself broke, a failure.
    missing_here: bool = False


READY = PrismSetup(ready=True)


def _missing(reason: str) -> PrismSetup:
    return PrismSetup(ready=False, reason=reason, missing_here=True)


def _first_line_naming(output: str, words: tuple[str, ...]) -> str | None:
    found = (line for line in output.splitlines() if any(w in line for w in words))
    return next((line.removeprefix("npm error").strip() for line in found), None)


def set_up_prism(
    prefix: Path = HERE, env: Mapping[str, str] | None = None, probe_timeout: float = PROBE_TIMEOUT
) -> PrismSetup:
    """Install the pinned Prism into `prefix` unless it is there; say why when it cannot.

    Before the install (up to `INSTALL_TIMEOUT`), `npm ping` asks npm's
    registry (the one npm is configured with, `npm_config_registry` included)
    to answer within `probe_timeout`: offline, the contract tests give up in
    seconds instead of waiting for npm's own timeouts.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return _missing("Node.js and npm are needed to run Prism; not found")
    if installed_version(prefix) == pinned_version(prefix):
        return READY
    wanted = f"Prism {pinned_version(prefix)} is not installed in {prefix / 'node_modules'}"
    try:
        ping = subprocess.run(  # noqa: S603 - npm with fixed arguments
            [npm, "ping", "--fetch-retries=0", f"--fetch-timeout={probe_timeout * 1000:.0f}"],
            capture_output=True,
            text=True,
            timeout=probe_timeout + 10,  # npm's own start-up on a slow machine
            check=False,
            env=None if env is None else {**os.environ, **env},
        )
    except subprocess.TimeoutExpired:
        reason = f"npm's registry did not answer `npm ping` within {probe_timeout:g} s"
        return _missing(f"{wanted}, and {reason} (no network?)")
    if ping.returncode != 0:
        output = ping.stdout + ping.stderr
        line = (
            _first_line_naming(output, ("network timeout", "FetchError"))
            or _first_line_naming(output, _OFFLINE)
            or _first_line_naming(output, ("error",))
        )
        reason = f"`npm ping` could not reach npm's registry: {line or 'no output'}"
        return _missing(f"{wanted}, and {reason}")
    try:
        result = subprocess.run(  # noqa: S603 - npm with fixed arguments
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(prefix)],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
            env=None if env is None else {**os.environ, **env},
        )
    except subprocess.TimeoutExpired:
        reason = f"npm install of Prism took over {INSTALL_TIMEOUT:.0f} s (a slow network?)"
        return _missing(reason)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        line = _first_line_naming(output, _OFFLINE)
        if line is not None:
            reason = f"npm could not reach its registry to install Prism: {line}"
            return _missing(reason)
        return PrismSetup(ready=False, reason=f"npm install of Prism failed:\n{output[-3000:]}")
    return READY


# The outcome of `set_up_prism()` in this run, once known.
_SETUP: dict[str, PrismSetup] = {}


def prism_setup() -> PrismSetup:
    """`set_up_prism()`, run once per test run: every Prism fixture shares its outcome."""
    if "outcome" not in _SETUP:
        _SETUP["outcome"] = set_up_prism()
    return _SETUP["outcome"]


def require_prism(setup: PrismSetup) -> None:
    """Skip (or fail, see `REQUIRE_CONTRACT`) unless `setup` says Prism is ready."""
    if setup.ready:
        return
    if not setup.missing_here:
        pytest.fail(setup.reason)
    if os.environ.get(REQUIRE_CONTRACT) == "1":
        pytest.fail(
            f"{setup.reason}; {REQUIRE_CONTRACT}=1 (set by .ci/run) requires the contract tests "
            "to run"
        )
    pytest.skip(f"contract tests skipped: {setup.reason}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return sock.recv(12).startswith(b"HTTP/1.1")
    except OSError:
        return False


def _serve(description: Path, log_dir: Path) -> Iterator[str]:
    """`prism mock --errors` serving `description`, on a free loopback port."""
    require_prism(prism_setup())
    port = _free_port()
    log_path = log_dir / "prism.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - the pinned Prism, fixed arguments
            [str(PRISM), "mock", "--errors", "-h", "127.0.0.1", "-p", str(port), str(description)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                output = log_path.read_text(encoding="utf-8", errors="replace")
                pytest.fail(f"Prism did not start on port {port}:\n{output[-3000:]}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Prism serving Kit's April 2025 description."""
    yield from _serve(DESCRIPTION, tmp_path_factory.mktemp("prism"))


def without_empty_media_types(description: dict[str, Any]) -> dict[str, Any]:
    """The description with the `""` media type of its 204 answers removed.

    Kit's 2026 description gives each `204 No Content` answer a body of media
    type `""` (an empty string schema). Prism then generates a 204 and, with
    `--errors`, fails its own answer ("The received media type "" does not
    match"), so every 204 call would get a 500. A 204 has no body: dropping
    that content is the only change; requests are validated as described.
    """
    fixed: dict[str, Any] = json.loads(json.dumps(description))
    for operations in fixed["paths"].values():
        for operation in operations.values():
            answer = (
                operation.get("responses", {}).get("204") if isinstance(operation, dict) else None
            )
            if answer and "" in answer.get("content", {}):
                del answer["content"]
    return fixed


SNIPPET_UPDATE = ("/v4/snippets/{id}", "put")


def snippet_update_as_any_of(description: dict[str, Any]) -> dict[str, Any]:
    """The description with the body of `PUT /v4/snippets/{id}` as `anyOf`, not `oneOf`.

    Kit's two shapes of a snippet update (inline, block) require nothing and
    allow any other property, so every body that fits one fits both, and
    `oneOf` ("exactly one") refuses them all, the description's own example
    `{"name": "Dog Fact of the Day"}` included: Prism answers 422. `anyOf`
    keeps both shapes as written and accepts a body that fits either.
    """
    fixed: dict[str, Any] = json.loads(json.dumps(description))
    path, method = SNIPPET_UPDATE
    schema = fixed["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    schema["anyOf"] = schema.pop("oneOf")
    return fixed


def served_2026(description: dict[str, Any]) -> dict[str, Any]:
    """Kit's 2026 description with the corrections Prism needs (README.md lists them)."""
    return snippet_update_as_any_of(without_empty_media_types(description))


@pytest.fixture(scope="session")
def prism_2026_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Prism serving Kit's description of 2026-10-02 (all 83 operations), corrected."""
    folder = tmp_path_factory.mktemp("prism-2026")
    served = folder / "kit-openapi-v4-2026.json"
    served.write_text(json.dumps(served_2026(SPEC_2026)), encoding="utf-8")
    yield from _serve(served, folder)


@pytest.fixture(scope="session")
def prism_2026_12_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Prism serving the 2026-12 file (the 83 and the delivery history: 85), corrected alike."""
    folder = tmp_path_factory.mktemp("prism-2026-12")
    served = folder / "kit-openapi-v4-2026-12.json"
    served.write_text(json.dumps(served_2026(SPEC_2026_12)), encoding="utf-8")
    yield from _serve(served, folder)


@pytest.fixture(scope="session")
def prism_2026_as_published_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Prism serving Kit's 2026 description exactly as vendored: the quirks' witness."""
    yield from _serve(DESCRIPTION_2026, tmp_path_factory.mktemp("prism-2026-as-published"))


@pytest.fixture
async def kit(prism_url: str) -> AsyncIterator[kit_async.KitClient]:
    """The OAuth client: the description requires an `Authorization` header on every call."""
    async with kit_async.KitClient(
        access_token="contract-test-token",
        base_url=prism_url,
        rate_limit=None,
        max_retries=0,
        timeout=10.0,
    ) as client:
        yield client


# -- what the examples should decode into, built by hand from Kit's JSON ----------------


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def expected_broadcast(raw: dict[str, Any]) -> kit_async.Broadcast:
    template = raw["email_template"]
    return kit_async.Broadcast(
        id=raw["id"],
        created_at=datetime.fromisoformat(raw["created_at"]),
        subject=raw["subject"],
        description=raw["description"],
        content=raw["content"],
        public=raw["public"],
        published_at=_when(raw["published_at"]),
        send_at=_when(raw["send_at"]),
        thumbnail_alt=raw["thumbnail_alt"],
        thumbnail_url=raw["thumbnail_url"],
        email_address=raw["email_address"],
        preview_text=raw["preview_text"],
        email_template=kit_async.EmailTemplate(id=template["id"], name=template["name"]),
        subscriber_filter=tuple(raw["subscriber_filter"]),
        publication_id=raw["publication_id"],
        status=raw.get("status"),
    )


def expected_pagination(raw: dict[str, Any]) -> kit_async.Pagination:
    return kit_async.Pagination(
        has_previous_page=raw["has_previous_page"],
        has_next_page=raw["has_next_page"],
        start_cursor=raw["start_cursor"],
        end_cursor=raw["end_cursor"],
        per_page=raw["per_page"],
        total_count=raw.get("total_count"),
    )


async def all_pages(paginator: kit_async.AsyncPaginator[Any]) -> list[kit_async.Page[Any]]:
    return [page async for page in paginator.pages()]


async def first_page(paginator: kit_async.AsyncPaginator[Any]) -> kit_async.Page[Any]:
    """The first page only: for an example answer that says another page follows.

    Prism answers every request with the same example, so following its
    `end_cursor` would get the same cursor again (a `PaginationError`).
    """
    return await paginator


# -- requests: valid for the description -----------------------------------------------

Call = Callable[[kit_async.KitClient], Awaitable[object]]
REQUESTS: dict[str, Call] = {
    "clicks": lambda kit: all_pages(kit.broadcasts.clicks(111)),
    "clicks-after": lambda kit: all_pages(
        kit.broadcasts.clicks(111, per_page=10, after="WzE4XQ==")
    ),
    "clicks-before": lambda kit: all_pages(kit.broadcasts.clicks(111, before="WzE4XQ==")),
    "list": lambda kit: all_pages(kit.broadcasts.list()),
    "list-filtered": lambda kit: all_pages(
        kit.broadcasts.list(per_page=50, include_total_count=True, status="completed", after="WzFd")
    ),
    "list-before": lambda kit: all_pages(kit.broadcasts.list(before="WzNd")),
    "get": lambda kit: kit.broadcasts.get(22),
    "stats": lambda kit: kit.broadcasts.stats(163),
}


@pytest.mark.parametrize("call", REQUESTS.values(), ids=REQUESTS.keys())
async def test_request_is_valid_for_the_description(kit: kit_async.KitClient, call: Call) -> None:
    # An invalid request gets a 4xx from Prism, which the client raises.
    answer = await call(kit)
    assert answer


async def test_prism_rejects_a_request_that_breaks_the_description(prism_url: str) -> None:
    """The control: Prism does answer invalid requests with an error here."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{prism_url}/v4/broadcasts/not-a-number",
            headers={"Authorization": "Bearer contract-test-token"},
        ) as response,
    ):
        assert response.status == 422
        assert "must be integer" in await response.text()


async def test_api_key_requests_lack_the_authorization_header_the_description_requires(
    prism_url: str,
) -> None:
    """A quirk of this description (Kit itself accepts X-Kit-Api-Key alone)."""
    async with kit_async.KitClient(
        api_key="kit_contract", base_url=prism_url, rate_limit=None, max_retries=0
    ) as kit:
        with pytest.raises(kit_async.APIStatusError) as raised:
            await kit.broadcasts.stats(163)
    assert raised.value.status_code in {401, 422}


# -- responses: the examples decode with their values ------------------------------------


async def test_clicks_example_decodes_into_broadcast_clicks(kit: kit_async.KitClient) -> None:
    raw = example(CLICKS)
    pages = await all_pages(kit.broadcasts.clicks(raw["broadcast"]["id"]))
    assert [page.items for page in pages] == [
        tuple(
            kit_async.BroadcastClick(
                broadcast_id=raw["broadcast"]["id"],
                url=click["url"],
                unique_clicks=click["unique_clicks"],
                click_to_delivery_rate=click["click_to_delivery_rate"],
                click_to_open_rate=click["click_to_open_rate"],
            )
            for click in raw["broadcast"]["clicks"]
        )
    ]
    assert pages[0].pagination == expected_pagination(raw["pagination"])


async def test_list_example_decodes_into_broadcasts(kit: kit_async.KitClient) -> None:
    raw = example(LIST)
    pages = await all_pages(kit.broadcasts.list())
    assert [page.items for page in pages] == [
        tuple(expected_broadcast(item) for item in raw["broadcasts"])
    ]
    assert pages[0].pagination == expected_pagination(raw["pagination"])


async def test_get_example_decodes_into_a_broadcast(kit: kit_async.KitClient) -> None:
    raw = example(GET)["broadcast"]
    assert await kit.broadcasts.get(raw["id"]) == expected_broadcast(raw)


async def test_stats_example_decodes_into_broadcast_stats(kit: kit_async.KitClient) -> None:
    raw = example(STATS)["broadcast"]
    assert await kit.broadcasts.stats(raw["id"]) == kit_async.BroadcastStats(
        broadcast_id=raw["id"], **raw["stats"]
    )


# -- the models hold every field the description requires --------------------------------


def _required(schema: dict[str, Any], *keys: str) -> set[str]:
    for key in keys:
        schema = schema["properties"][key] if key != "[]" else schema["items"]
    return set(schema["required"])


def _fields(model: type[Any]) -> set[str]:
    return {field.name for field in attrs.fields(model)}


@pytest.mark.parametrize(
    ("model", "path", "keys"),
    [
        (kit_async.BroadcastClick, CLICKS, ("broadcast", "clicks", "[]")),
        (kit_async.Broadcast, LIST, ("broadcasts", "[]")),
        (kit_async.Broadcast, GET, ("broadcast",)),
        (kit_async.BroadcastStats, STATS, ("broadcast", "stats")),
        (kit_async.Pagination, CLICKS, ("pagination",)),
        (kit_async.Pagination, LIST, ("pagination",)),
    ],
    ids=["click", "listed-broadcast", "broadcast", "stats", "clicks-pagination", "pagination"],
)
def test_model_holds_every_field_the_description_requires(
    model: type[Any], path: str, keys: tuple[str, ...]
) -> None:
    assert _required(ok_response(path)["schema"], *keys) <= _fields(model)


# -- setting Prism up without a network ----------------------------------------------------


@pytest.fixture
def empty_prefix(tmp_path: Path) -> Path:
    """A folder with the contract tests' package.json and nothing installed."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("needs Node.js and npm")
    shutil.copy(HERE / "package.json", tmp_path / "package.json")
    return tmp_path


def test_an_unreachable_registry_is_a_clear_reason_before_any_install(empty_prefix: Path) -> None:
    setup = set_up_prism(empty_prefix, env={"npm_config_registry": "http://127.0.0.1:9"})

    assert (setup.ready, setup.missing_here) == (False, True)
    assert setup.reason.startswith(f"Prism {pinned_version()} is not installed in ")
    assert "`npm ping` could not reach npm's registry: " in setup.reason
    assert "connect ECONNREFUSED 127.0.0.1:9" in setup.reason
    assert not (empty_prefix / "node_modules").exists()  # no install was tried


def test_a_registry_that_never_answers_is_given_up_after_the_probe_timeout(
    empty_prefix: Path,
) -> None:
    # A network that swallows packets: the connection is accepted, no answer comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        registry = f"http://127.0.0.1:{silent.getsockname()[1]}"
        setup = set_up_prism(empty_prefix, env={"npm_config_registry": registry}, probe_timeout=1)

    assert (setup.ready, setup.missing_here) == (False, True)
    assert "`npm ping` could not reach npm's registry: network timeout at: " in setup.reason
    assert not (empty_prefix / "node_modules").exists()


def test_every_prism_fixture_shares_one_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []

    def counted(prefix: Path = HERE, **_: object) -> PrismSetup:
        calls.append(prefix)
        return _missing("offline")

    monkeypatch.setattr(f"{__name__}.set_up_prism", counted)
    monkeypatch.setattr(f"{__name__}._SETUP", {})

    assert prism_setup() == prism_setup() == _missing("offline")
    assert calls == [HERE]


def test_prism_missing_here_is_a_skip_naming_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_CONTRACT, raising=False)

    with pytest.raises(pytest.skip.Exception, match=r"^contract tests skipped: no network$"):
        require_prism(_missing("no network"))


def test_prism_missing_here_fails_when_the_contract_tests_are_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(REQUIRE_CONTRACT, "1")

    with pytest.raises(pytest.fail.Exception, match=r"^no network; KIT_ASYNC_REQUIRE_CONTRACT=1"):
        require_prism(_missing("no network"))


def test_a_broken_install_fails_even_when_not_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_CONTRACT, raising=False)

    with pytest.raises(pytest.fail.Exception, match="npm install of Prism failed"):
        require_prism(PrismSetup(ready=False, reason="npm install of Prism failed:\nE404"))


def test_ci_requires_the_contract_tests() -> None:
    ci = (HERE.parent.parent / ".ci" / "run").read_text(encoding="utf-8")

    assert f"export {REQUIRE_CONTRACT}=1\n" in ci
    assert ci.index(f"export {REQUIRE_CONTRACT}=1") < ci.index('"${nox[@]}" -s tests')


def test_vendored_description_is_the_copy_the_readme_names() -> None:
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    named = re.findall(r"\b[0-9a-f]{64}\b", readme)
    assert named == [
        hashlib.sha256(DESCRIPTION.read_bytes()).hexdigest(),
        hashlib.sha256(DESCRIPTION_2026.read_bytes()).hexdigest(),
        hashlib.sha256(DESCRIPTION_2026_12.read_bytes()).hexdigest(),
    ]


# -- Kit's description of 2026-10-02: every declared operation --------------------------------

SPEC_2026: dict[str, Any] = json.loads(DESCRIPTION_2026.read_text(encoding="utf-8"))
SPEC_2026_12: dict[str, Any] = json.loads(DESCRIPTION_2026_12.read_text(encoding="utf-8"))


def documented(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


DOCUMENTED_2026 = documented(SPEC_2026)


@pytest.fixture
def sent() -> list[tuple[str, str]]:
    """(method, path) of each request the `kit_2026` client sends, in order."""
    return []


@pytest.fixture
async def kit_2026(
    prism_2026_url: str, sent: list[tuple[str, str]]
) -> AsyncIterator[kit_async.KitClient]:
    """An OAuth client (Kit's OAuth-only endpoints accept nothing else) for Prism 2026."""

    async def record(
        _session: aiohttp.ClientSession,
        _context: object,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        sent.append((params.method, params.url.path))

    tracing = aiohttp.TraceConfig()
    tracing.on_request_start.append(record)
    async with (
        aiohttp.ClientSession(trace_configs=[tracing]) as session,
        kit_async.KitClient(
            access_token="contract-test-token",
            base_url=prism_2026_url,
            rate_limit=None,
            max_retries=0,
            timeout=10.0,
            session=session,
        ) as client,
    ):
        yield client


def is_operation(method: str, path: str, operation: tuple[str, str]) -> bool:
    """Whether a request (`GET /v4/tags/5`) is the operation (`GET /v4/tags/{id}`)."""
    pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(operation[1]))
    return method == operation[0] and re.fullmatch(pattern, path) is not None


#: Argument values below are the description's own examples (request bodies,
#: parameter examples) wherever it gives one, so that Prism's validation of
#: the request is a check of the library, not of invented values.
REFERRER = (
    "https://mywebsite.com/bfpromo/?utm_source=facebook&utm_medium=cpc"
    "&utm_campaign=black_friday&utm_term=car_owners&utm_content=get_10_off"
)
SUBSCRIBER_FIELDS: dict[str, str] = {
    "Last name": "Lamarr",
    "Birthday": "Feb 17",
    "Source": "landing page",
    "Role": "Software developer",
    "Company": "Convertkit",
    "Postal code": "83702",
    "Website": "convertkit.com",
    "Social media": "https://www.linkedin.com/company/convertkit",
    "How did you hear about us?": "Social media",
    "Interests": "Monetization",
    "Coupon": "",
}
BOISE: dict[str, Any] = {
    "city": "Boise",
    "state_province": "Idaho",
    "country_code": "US",
    "latitude": 43.62,
    "longitude": -116.2,
    "timezone": "America/Denver",
}
FILTER_CONDITIONS: list[dict[str, Any]] = [
    {"type": "opens", "count_greater_than": 5, "after": "2024-01-01", "before": "2024-12-31"},
    {
        "type": "clicks",
        "count_greater_than": 2,
        "after": "2024-01-01",
        "before": "2024-12-31",
        "any": [
            {"type": "urls", "urls": ["kit.com", "amazon.com"], "matching": "contains"},
            {"type": "broadcasts", "ids": [1, 2, 3]},
        ],
    },
    {"type": "tags", "any": [{"type": "ids", "matching": [123, 456]}]},
    {
        "type": "attribution",
        "any": [
            {"type": "forms", "ids": [789, 1001]},
            {
                "type": "kit_source",
                "source_type": "api_subscription",
                "source_ids": [555],
                "source_names": ["Welcome"],
                "mechanism": "import",
                "mechanism_ids": [9],
            },
        ],
    },
    {
        "type": "custom_field",
        "subscriber_custom_field_id": 42,
        "value": "premium",
        "comparison": "is",
    },
]
BROADCAST: dict[str, Any] = {
    "email_template_id": 2,
    "email_address": None,
    "content": "<p>Let me introduce myself</p>",
    "description": "Intro email",
    "public": True,
    "published_at": "2023-02-17T11:43:55+00:00",
    "send_at": None,
    "thumbnail_alt": None,
    "thumbnail_url": None,
    "preview_text": "Pleased to meet you!",
    "subject": "Hello!",
    "subscriber_filter": [{"all": [{"type": "segment", "ids": [16]}], "any": None, "none": None}],
}
SEQUENCE: dict[str, Any] = {
    "name": "Full Series",
    "email_address": "joe1150@ck.lol",
    "email_template_id": 38,
    "send_days": ["monday", "wednesday", "friday"],
    "send_hour": 9,
    "time_zone": "America/Los_Angeles",
    "active": True,
    "repeat": True,
    "hold": True,
    "exclude_subscriber_sources": [{"type": "tag", "ids": [3]}, {"type": "sequence", "ids": [30]}],
}
PURCHASE: dict[str, Any] = {
    "email_address": "pru.magoo@convertkit.dev",
    "transaction_id": "796-92-4892",
    "status": "paid",
    "subtotal": 78.66,
    "tax": 7.87,
    "shipping": 0,
    "discount": 5.0,
    "total": 81.53,
    "currency": "USD",
    "transaction_time": "2023-02-17T11:43:55Z",
    "products": [
        {
            "name": "Phantom Hourglass",
            "pid": "804-02-4430",
            "lid": "811-75-7900",
            "quantity": 1,
            "unit_price": 23.22,
            "sku": "SM21-SH-M02-RD-S-001",
        },
        {
            "name": "Twilight Princess",
            "pid": "833-51-1151",
            "lid": "766-49-1241",
            "quantity": 1,
            "unit_price": 32.22,
            "sku": "WT21-JK-M03-BK-L-012",
        },
    ],
}

#: One call of the library per Kit operation, with arguments the description accepts.
OPERATIONS: dict[tuple[str, str], Call] = {
    # -- account
    ("GET", "/v4/account"): lambda kit: kit.account.get(),
    ("GET", "/v4/account/colors"): lambda kit: kit.account.colors(),
    ("PUT", "/v4/account/colors"): lambda kit: kit.account.update_colors(["#000000", "#ffffff"]),
    ("GET", "/v4/account/creator_profile"): lambda kit: kit.account.creator_profile(),
    ("GET", "/v4/account/email_stats"): lambda kit: kit.account.email_stats(),
    ("GET", "/v4/account/growth_stats"): lambda kit: kit.account.growth_stats(
        starting="2023-02-09", ending="2023-02-10"
    ),
    # -- broadcasts
    ("GET", "/v4/broadcasts"): lambda kit: all_pages(kit.broadcasts.list(per_page=50)),
    ("POST", "/v4/broadcasts"): lambda kit: kit.broadcasts.create(**BROADCAST),
    ("GET", "/v4/broadcasts/stats"): lambda kit: all_pages(
        kit.broadcasts.list_stats(status="completed", include_total_count=True)
    ),
    ("GET", "/v4/broadcasts/{id}"): lambda kit: kit.broadcasts.get(22),
    ("PUT", "/v4/broadcasts/{id}"): lambda kit: kit.broadcasts.update(
        59, **{**BROADCAST, "send_at": "2023-02-17T11:43:55+00:00"}
    ),
    ("DELETE", "/v4/broadcasts/{id}"): lambda kit: kit.broadcasts.delete(83),
    ("GET", "/v4/broadcasts/{broadcast_id}/clicks"): lambda kit: all_pages(
        kit.broadcasts.clicks(111, per_page=10, after="WzE4XQ==")
    ),
    ("GET", "/v4/broadcasts/{broadcast_id}/stats"): lambda kit: kit.broadcasts.stats(163),
    # -- custom fields
    ("GET", "/v4/custom_fields"): lambda kit: all_pages(
        kit.custom_fields.list(per_page=10, after="WzFd", include_total_count=True)
    ),
    ("POST", "/v4/custom_fields"): lambda kit: kit.custom_fields.create("Interests"),
    ("PUT", "/v4/custom_fields/{id}"): lambda kit: kit.custom_fields.update(24, "Last name"),
    ("DELETE", "/v4/custom_fields/{id}"): lambda kit: kit.custom_fields.delete(42),
    ("POST", "/v4/bulk/custom_fields"): lambda kit: kit.custom_fields.bulk_create(
        ["Test Custom Field 0", "Test Custom Field 1"]
    ),
    ("POST", "/v4/bulk/custom_fields/subscribers"): lambda kit: (
        kit.custom_fields.bulk_update_values(
            [
                {"subscriber_id": 1, "subscriber_custom_field_id": 1, "value": "value_1"},
                {"subscriber_id": 2, "subscriber_custom_field_id": 2, "value": "value_2"},
            ]
        )
    ),
    # -- email templates, segments, posts
    ("GET", "/v4/email_templates"): lambda kit: all_pages(
        kit.email_templates.list(include_total_count=True)
    ),
    ("GET", "/v4/segments"): lambda kit: all_pages(kit.segments.list(include_total_count=True)),
    ("GET", "/v4/posts"): lambda kit: all_pages(
        kit.posts.list(include_content=True, include_total_count=True)
    ),
    ("GET", "/v4/posts/{id}"): lambda kit: kit.posts.get(8),
    # -- forms
    ("GET", "/v4/forms"): lambda kit: all_pages(
        kit.forms.list(status="active", type="embed", per_page=10, include_total_count=True)
    ),
    ("GET", "/v4/forms/{form_id}/subscribers"): lambda kit: all_pages(
        kit.forms.subscribers(
            138,
            status="all",
            added_after="2023-02-14T11:43:55Z",
            added_before="2023-02-18T11:43:55Z",
            created_after="2023-01-17T11:43:55Z",
            created_before="2023-02-18T11:43:55Z",
        )
    ),
    ("POST", "/v4/forms/{form_id}/subscribers"): lambda kit: kit.forms.add_subscriber(
        194, email_address="alice@convertkit.dev", referrer=REFERRER
    ),
    ("POST", "/v4/forms/{form_id}/subscribers/{id}"): lambda kit: kit.forms.add_subscriber(
        174, subscriber_id=599, referrer=REFERRER
    ),
    ("POST", "/v4/bulk/forms/subscribers"): lambda kit: kit.forms.bulk_add_subscribers(
        [{"form_id": 1, "subscriber_id": 1}, {"form_id": 2, "subscriber_id": 2}]
    ),
    # -- purchases
    ("GET", "/v4/purchases"): lambda kit: all_pages(kit.purchases.list(per_page=10, before="WzNd")),
    ("POST", "/v4/purchases"): lambda kit: kit.purchases.create(**PURCHASE),
    ("GET", "/v4/purchases/{id}"): lambda kit: kit.purchases.get(14),
    # -- sequences and their emails
    ("GET", "/v4/sequences"): lambda kit: all_pages(
        kit.sequences.list(include_stats=True, per_page=10, include_total_count=True)
    ),
    ("POST", "/v4/sequences"): lambda kit: kit.sequences.create(**SEQUENCE),
    ("GET", "/v4/sequences/{id}"): lambda kit: kit.sequences.get(24, include_stats=True),
    ("PUT", "/v4/sequences/{id}"): lambda kit: kit.sequences.update(
        61,
        name="New Name",
        email_address="joe1180@ck.lol",
        email_template_id=40,
        send_days=["tuesday", "thursday"],
        send_hour=14,
        time_zone="America/Chicago",
        active=False,
        repeat=True,
        hold=True,
        exclude_subscriber_sources=[{"type": "tag", "ids": [4]}, {"type": "sequence", "ids": [49]}],
    ),
    ("DELETE", "/v4/sequences/{id}"): lambda kit: kit.sequences.delete(82),
    ("GET", "/v4/sequences/{sequence_id}/subscribers"): lambda kit: all_pages(
        kit.sequences.subscribers(
            26,
            status="all",
            added_after="2023-02-14T11:43:55Z",
            added_before="2023-02-18T11:43:55Z",
            created_after="2023-01-17T11:43:55Z",
            created_before="2023-02-18T11:43:55Z",
        )
    ),
    ("POST", "/v4/sequences/{sequence_id}/subscribers"): lambda kit: kit.sequences.add_subscriber(
        83, email_address="alice@convertkit.dev"
    ),
    ("POST", "/v4/sequences/{sequence_id}/subscribers/{id}"): lambda kit: (
        kit.sequences.add_subscriber(62, subscriber_id=804)
    ),
    ("GET", "/v4/sequences/{sequence_id}/emails"): lambda kit: all_pages(
        kit.sequences.emails(110, include_content=True, include_stats=True)
    ),
    ("POST", "/v4/sequences/{sequence_id}/emails"): lambda kit: kit.sequences.create_email(
        158,
        subject="Welcome to the sequence",
        delay_value=1,
        delay_unit="days",
        preview_text=None,
        content=None,
        email_template_id=None,
        send_days=None,
        position=None,
    ),
    ("GET", "/v4/sequences/{sequence_id}/emails/{id}"): lambda kit: kit.sequences.get_email(
        133, 29, include_stats=True
    ),
    ("PUT", "/v4/sequences/{sequence_id}/emails/{id}"): lambda kit: kit.sequences.update_email(
        198,
        79,
        subject="Updated subject",
        preview_text="Updated preview",
        content=None,
        delay_value=3,
        delay_unit="days",
        email_template_id=None,
        published=True,
        send_days=["monday", "wednesday", "friday"],
        position=None,
    ),
    ("DELETE", "/v4/sequences/{sequence_id}/emails/{id}"): lambda kit: kit.sequences.delete_email(
        222, 103
    ),
    # -- snippets
    ("GET", "/v4/snippets"): lambda kit: all_pages(
        kit.snippets.list(snippet_type="inline", include_content=True, include_total_count=True)
    ),
    ("POST", "/v4/snippets"): lambda kit: kit.snippets.create(
        name="Cat Fact of the Day",
        snippet_type="inline",
        content="Did you know, {{ subscriber.first_name }}? Cats can rotate their ears 180 degrees.",
    ),
    ("GET", "/v4/snippets/{id}"): lambda kit: kit.snippets.get(25),
    ("PUT", "/v4/snippets/{id}"): lambda kit: kit.snippets.update(60, name="Dog Fact of the Day"),
    # -- subscribers
    ("GET", "/v4/subscribers"): lambda kit: all_pages(
        kit.subscribers.list(
            status="cancelled",
            email_address="alice@convertkit.dev",
            created_after="2023-01-17T11:43:55Z",
            created_before="2023-02-18T11:43:55Z",
            updated_after="2023-01-17T11:43:55Z",
            updated_before="2023-02-18T11:43:55Z",
            sort_field="cancelled_at",
            sort_order="asc",
            per_page=10,
        )
    ),
    ("POST", "/v4/subscribers"): lambda kit: kit.subscribers.create(
        "alice@convertkit.dev", first_name="Alice", state="active", fields=SUBSCRIBER_FIELDS
    ),
    ("GET", "/v4/subscribers/{id}"): lambda kit: kit.subscribers.get(241),
    ("PUT", "/v4/subscribers/{id}"): lambda kit: kit.subscribers.update(
        288, email_address="alice@convertkit.dev", first_name="Alice", fields=SUBSCRIBER_FIELDS
    ),
    ("POST", "/v4/subscribers/{id}/unsubscribe"): lambda kit: kit.subscribers.unsubscribe(258),
    ("GET", "/v4/subscribers/{subscriber_id}/tags"): lambda kit: all_pages(
        kit.subscribers.tags(848, include_total_count=True)
    ),
    ("POST", "/v4/bulk/subscribers"): lambda kit: kit.subscribers.bulk_create(
        [
            {"first_name": "Test Subscriber 0", "email_address": "subscriber_0@convertkit.dev"},
            {"first_name": "Test Subscriber 1", "email_address": "subscriber_1@convertkit.dev"},
        ]
    ),
    # Its example answer says `has_next_page: true`: see first_page().
    ("POST", "/v4/subscribers/filter"): lambda kit: first_page(
        kit.subscribers.filter(
            FILTER_CONDITIONS,
            include=[
                "tags",
                {"type": "stats", "range": {"start": "2026-05-01", "end": "2026-06-30"}},
            ],
        )
    ),
    ("GET", "/v4/subscribers/{subscriber_id}/stats"): lambda kit: kit.subscribers.stats(
        1103, email_sent_after="2025-07-01", email_sent_before="2025-08-31"
    ),
    ("POST", "/v4/subscribers/{subscriber_id}/location"): lambda kit: kit.subscribers.pin_location(
        1105, **BOISE
    ),
    ("PATCH", "/v4/subscribers/{subscriber_id}/location"): lambda kit: (
        kit.subscribers.update_location(1133, **BOISE)
    ),
    ("DELETE", "/v4/subscribers/{subscriber_id}/location"): lambda kit: (
        kit.subscribers.delete_location(1133)
    ),
    # -- tags
    ("GET", "/v4/tags"): lambda kit: all_pages(kit.tags.list(include_total_count=True)),
    ("POST", "/v4/tags"): lambda kit: kit.tags.create("Completed"),
    ("PUT", "/v4/tags/{id}"): lambda kit: kit.tags.update(28, "signed up"),
    ("GET", "/v4/tags/{tag_id}/subscribers"): lambda kit: all_pages(
        kit.tags.subscribers(
            5, status="all", created_after="2023-01-01", tagged_before="2023-03-01"
        )
    ),
    ("POST", "/v4/tags/{tag_id}/subscribers"): lambda kit: kit.tags.tag_subscriber(
        5, email_address="alice@convertkit.dev"
    ),
    ("POST", "/v4/tags/{tag_id}/subscribers/{id}"): lambda kit: kit.tags.tag_subscriber(
        5, subscriber_id=946
    ),
    ("DELETE", "/v4/tags/{tag_id}/subscribers"): lambda kit: kit.tags.untag_subscriber(
        5, email_address="alice@convertkit.dev"
    ),
    ("DELETE", "/v4/tags/{tag_id}/subscribers/{id}"): lambda kit: kit.tags.untag_subscriber(
        5, subscriber_id=946
    ),
    ("POST", "/v4/bulk/tags"): lambda kit: kit.tags.bulk_create(["Attended Event", "Newsletter"]),
    ("DELETE", "/v4/bulk/tags"): lambda kit: kit.tags.bulk_delete([91, 92]),
    ("POST", "/v4/bulk/tags/subscribers"): lambda kit: kit.tags.bulk_tag_subscribers(
        [{"tag_id": 1, "subscriber_id": 2}]
    ),
    ("DELETE", "/v4/bulk/tags/subscribers"): lambda kit: kit.tags.bulk_untag_subscribers(
        [{"tag_id": 1, "subscriber_id": 2}]
    ),
    # -- webhook endpoints (signed deliveries)
    ("GET", "/v4/webhook_endpoints"): lambda kit: all_pages(
        kit.webhook_endpoints.list(status="active")
    ),
    ("POST", "/v4/webhook_endpoints"): lambda kit: kit.webhook_endpoints.create(
        "https://hooks.example.com/incoming",
        ["subscriber.created", "custom_field.created"],
        name="My webhook",
        description="Listens for things",
    ),
    ("GET", "/v4/webhook_endpoints/{id}"): lambda kit: kit.webhook_endpoints.get(57),
    ("PATCH", "/v4/webhook_endpoints/{id}"): lambda kit: kit.webhook_endpoints.update(
        57, name="Updated name", status="active", events=["subscriber.activated"]
    ),
    ("DELETE", "/v4/webhook_endpoints/{id}"): lambda kit: kit.webhook_endpoints.delete(57),
    ("POST", "/v4/webhook_endpoints/{id}/rotate_secret"): lambda kit: (
        kit.webhook_endpoints.rotate_secret(57)
    ),
    ("POST", "/v4/webhook_endpoints/{id}/revoke_previous_secret"): lambda kit: (
        kit.webhook_endpoints.revoke_previous_secret(57)
    ),
    # -- legacy webhooks
    ("GET", "/v4/webhooks"): lambda kit: all_pages(kit.legacy_webhooks.list()),
    ("POST", "/v4/webhooks"): lambda kit: kit.legacy_webhooks.create(
        "https://example.convertkit.dev/", {"name": "subscriber.subscriber_activate"}
    ),
    ("DELETE", "/v4/webhooks/{id}"): lambda kit: kit.legacy_webhooks.delete(28),
}


@pytest.mark.parametrize(
    ("operation", "call"), OPERATIONS.items(), ids=[f"{m} {p}" for m, p in OPERATIONS]
)
async def test_each_operation_is_a_valid_request_whose_example_answer_decodes(
    kit_2026: kit_async.KitClient,
    sent: list[tuple[str, str]],
    operation: tuple[str, str],
    call: Call,
) -> None:
    # Prism answers an invalid request with a 4xx, which the client raises;
    # a valid one with the description's example, which must decode.
    await call(kit_2026)
    # ... and the row does exercise the operation it is filed under.
    strays = [request for request in sent if not is_operation(*request, operation)]
    assert sent, f"the row of {operation} sent no request"
    assert not strays, f"the row of {operation} sent {strays}"


def test_is_operation_matches_the_ids_of_a_template_and_nothing_else() -> None:
    operation = ("DELETE", "/v4/tags/{tag_id}/subscribers/{id}")
    assert is_operation("DELETE", "/v4/tags/5/subscribers/946", operation)
    assert not is_operation("POST", "/v4/tags/5/subscribers/946", operation)
    assert not is_operation("DELETE", "/v4/tags/5/subscribers", operation)
    assert not is_operation("DELETE", "/v4/tags/5/subscribers/946/x", operation)


def test_the_operations_exercised_are_kits(capsys: pytest.CaptureFixture[str]) -> None:
    assert set(OPERATIONS) <= DOCUMENTED_2026
    with capsys.disabled():
        print(
            f"\ncontract (Prism, Kit's 2026 description): {len(OPERATIONS)} of "
            f"{len(DOCUMENTED_2026)} operations exercised"
        )


def declared() -> set[tuple[str, str]]:
    """(method, path) of every operation the library declares in its resource modules."""
    found: set[tuple[str, str]] = set()
    for info in pkgutil.iter_modules(kit_async._resources.__path__):
        module = importlib.import_module(f"kit_async._resources.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Endpoint | NoContent | Bulk | ListEndpoint):
                found.add((value.method, value.path))
    return found


def test_every_operation_the_library_declares_is_exercised() -> None:
    # A new declaration needs its row in OPERATIONS (or OPERATIONS_2026_12), or this fails.
    assert declared()
    missing = declared() - set(OPERATIONS) - set(OPERATIONS_2026_12)
    assert not missing, f"declared but without a contract row: {sorted(missing)}"


def test_every_operation_of_kits_description_is_exercised() -> None:
    assert set(OPERATIONS) == DOCUMENTED_2026


# -- the 2026-12 file: the delivery history, published after 2026-10-02 ------------------------
#
# Kit's pages of these two stop before the answers: the file declares each 200
# without a schema or an example, so Prism answers them with no body at all.
# The rows check that the client's requests are valid (Prism validates them
# and picks the 200), and that the empty answer is refused as a
# `ResponseValidationError` naming the key it lacks, not a crash. The decoding
# of answers in the shape Kit's guides describe is tested in
# tests/test_webhook_deliveries.py (and against FakeKit); once Kit's description
# gains the answers, this test fails and their examples are decoded here.

OPERATIONS_2026_12: dict[tuple[str, str], tuple[Call, str]] = {
    ("GET", "/v4/webhook_endpoints/{id}/deliveries"): (
        lambda kit: first_page(
            kit.webhook_endpoints.deliveries(
                21, status="failed", event_type="subscriber.created", after="WzFd"
            )
        ),
        "deliveries",
    ),
    ("GET", "/v4/webhook_endpoints/{id}/deliveries/{delivery_id}"): (
        # The description's own examples: endpoint 21, delivery 0 (not an id the
        # library accepts), include_payload true.
        lambda kit: kit.webhook_endpoints.delivery(21, 1, include_payload=True),
        "delivery",
    ),
}


def test_the_2026_12_rows_are_the_operations_it_adds() -> None:
    assert len(documented(SPEC_2026_12)) == 85
    assert set(OPERATIONS_2026_12) == documented(SPEC_2026_12) - DOCUMENTED_2026


@pytest.fixture
def answered() -> list[tuple[str, str, int]]:
    """(method, path, status) of each answer the `kit_2026_12` client gets, in order."""
    return []


@pytest.fixture
async def kit_2026_12(
    prism_2026_12_url: str, answered: list[tuple[str, str, int]]
) -> AsyncIterator[kit_async.KitClient]:
    """The OAuth client, as for the 2026 file, against Prism serving the 2026-12 file."""

    async def record(
        _session: aiohttp.ClientSession,
        _context: object,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        answered.append((params.method, params.url.path, params.response.status))

    tracing = aiohttp.TraceConfig()
    tracing.on_request_end.append(record)
    async with (
        aiohttp.ClientSession(trace_configs=[tracing]) as session,
        kit_async.KitClient(
            access_token="contract-test-token",
            base_url=prism_2026_12_url,
            rate_limit=None,
            max_retries=0,
            timeout=10.0,
            session=session,
        ) as client,
    ):
        yield client


@pytest.mark.parametrize(
    ("operation", "row"),
    OPERATIONS_2026_12.items(),
    ids=[f"{m} {p}" for m, p in OPERATIONS_2026_12],
)
async def test_each_delivery_history_request_is_valid_and_kits_untyped_answer_refused_clearly(
    kit_2026_12: kit_async.KitClient,
    answered: list[tuple[str, str, int]],
    operation: tuple[str, str],
    row: tuple[Call, str],
) -> None:
    call, key = row

    with pytest.raises(kit_async.ResponseValidationError) as caught:
        await call(kit_2026_12)

    [(method, path, status)] = answered
    assert is_operation(method, path, operation)
    assert status == 200  # valid for the description: an invalid request gets a 422
    assert caught.value.field == key


async def test_prism_validates_the_delivery_history_requests(prism_2026_12_url: str) -> None:
    """Why the 200 above means a valid request: a wrong value is refused."""
    statuses = []
    async with aiohttp.ClientSession(
        headers={"Authorization": "Bearer contract-test-token"}
    ) as session:
        for query in ("include_payload=true", "include_payload=maybe"):
            url = f"{prism_2026_12_url}/v4/webhook_endpoints/21/deliveries/1?{query}"
            async with session.get(url) as answer:
                statuses.append(answer.status)
        async with session.get(f"{prism_2026_12_url}/v4/webhook_endpoints/x/deliveries") as answer:
            statuses.append(answer.status)
    assert statuses == [200, 422, 422]


def test_the_2026_file_keeps_the_authorization_quirk_on_its_54_operations_from_2025() -> None:
    """Why the contract client is OAuth: the 54 operations as published in 2025 still
    declare a required `Authorization` header, so an API-key request is invalid there."""
    with_header = [
        (method, path)
        for path, operations in SPEC_2026["paths"].items()
        for method, operation in operations.items()
        if any(
            parameter.get("in") == "header" and parameter.get("name") == "Authorization"
            for parameter in operation.get("parameters", [])
        )
    ]
    assert len(with_header) == 54


# -- the corrections of the served copy, and why each is needed --------------------------------


def _differences(published: Any, served: Any, at: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Where two JSON values differ: the key paths of what was added, removed or changed."""
    if isinstance(published, dict) and isinstance(served, dict):
        found: set[tuple[str, ...]] = set()
        for key in published.keys() | served.keys():
            if key not in published or key not in served:
                found.add((*at, key))
            else:
                found |= _differences(published[key], served[key], (*at, key))
        return found
    return set() if published == served else {at}


def test_the_served_copy_differs_from_kits_only_by_the_corrections_the_readme_lists() -> None:
    no_content = {
        ("paths", path, method, "responses", "204", "content")
        for path, operations in SPEC_2026["paths"].items()
        for method, operation in operations.items()
        if "" in operation.get("responses", {}).get("204", {}).get("content", {})
    }
    path, method = SNIPPET_UPDATE
    body = ("paths", path, method, "requestBody", "content", "application/json", "schema")
    assert len(no_content) == 6  # the 204s as published in 2025; the 4 new ones have none
    assert _differences(SPEC_2026, served_2026(SPEC_2026)) == no_content | {
        (*body, "oneOf"),
        (*body, "anyOf"),
    }


async def test_prism_fails_its_own_204_answers_of_the_description_as_published(
    prism_2026_as_published_url: str,
) -> None:
    """Why the served copy drops the `""` media type of the 204 answers."""
    async with (
        aiohttp.ClientSession() as session,
        session.delete(
            f"{prism_2026_as_published_url}/v4/broadcasts/83",
            headers={"Authorization": "Bearer contract-test-token"},
        ) as response,
    ):
        assert response.status == 500
        assert "media type" in await response.text()


SNIPPET_UPDATE_EXAMPLE: dict[str, Any] = SPEC_2026["paths"]["/v4/snippets/{id}"]["put"][
    "requestBody"
]["content"]["application/json"]["example"]


async def test_the_description_as_published_refuses_its_own_snippet_update_example(
    prism_2026_as_published_url: str, prism_2026_url: str
) -> None:
    """Why the served copy reads the snippet update's `oneOf` as `anyOf`."""
    assert SNIPPET_UPDATE_EXAMPLE == {"name": "Dog Fact of the Day"}
    statuses = []
    async with aiohttp.ClientSession(
        headers={"Authorization": "Bearer contract-test-token"}
    ) as session:
        for url in (prism_2026_as_published_url, prism_2026_url):
            async with session.put(f"{url}/v4/snippets/60", json=SNIPPET_UPDATE_EXAMPLE) as answer:
                statuses.append(answer.status)
    assert statuses == [422, 200]

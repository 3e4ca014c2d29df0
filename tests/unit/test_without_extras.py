"""What works without the optional extras, and how it says what is missing.

Each test hides an extra's package (as if it were not installed) and, where the
package is imported when the module loads, loads that module afresh; so these
tests run, and cover the fallbacks, in every session. In `nox -s tests_minimal`
the packages really are absent and the whole suite runs on the fallbacks.
The command line without rich is tested in cli/test_cli.py (`hide_rich`).
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

import kit_async
import kit_async.testing._wire
from kit_async import RateLimit
from kit_async.testing import FakeKit


def hide(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    """Make `import package` (and its submodules) fail, as when it is not installed."""
    for name in [n for n in sys.modules if n == package or n.startswith(f"{package}.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, package, None)


def load_afresh(name: str) -> ModuleType:
    """A new copy of module `name`, its top level run again (not put in sys.modules)."""
    spec = importlib.util.find_spec(name)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_msgspec_responses_are_parsed_by_the_standard_library(monkeypatch) -> None:
    hide(monkeypatch, "msgspec")
    parser = load_afresh("kit_async._json")
    converter = load_afresh("kit_async._converter")

    assert parser.loads(b'{"url": "https://example.com/\xc3\xa9", "unique_clicks": 2}') == {
        "url": "https://example.com/é",
        "unique_clicks": 2,
    }
    assert parser._loads is parser._json_loads
    assert converter._fast is None


@pytest.mark.parametrize("body", [b'{"broadcasts": [', b"\xff\xfe not json", b""])
def test_without_msgspec_a_body_that_is_not_json_raises_value_error(monkeypatch, body) -> None:
    # The transport turns ValueError into ResponseValidationError; msgspec's
    # DecodeError is one too, and so must the fallback's errors be.
    hide(monkeypatch, "msgspec")
    converter = load_afresh("kit_async._converter")

    with pytest.raises(ValueError):
        converter.loads(body)


async def test_without_orjson_fakekit_serves_what_the_client_decodes(monkeypatch) -> None:
    hide(monkeypatch, "orjson")
    wire = load_afresh("kit_async.testing._wire")
    # FakeKit encodes every body through the module's `_dumps`, looked up at each call.
    monkeypatch.setattr(kit_async.testing._wire, "_dumps", wire._dumps)

    server = FakeKit(broadcasts=2, clicks=150, drafts=0)
    async with server, kit_async.KitClient(server.api_key, base_url=server.url) as kit:
        clicks = [click async for click in kit.iter_broadcast_clicks(2, per_page=100)]
    assert [click.url for click in clicks] == [c["url"] for c in server.clicks_of(2)]
    assert wire.dumps({"url": "é"}) == b'{"url":"\\u00e9"}'


def test_without_limits_a_shared_storage_names_the_extra_to_install(monkeypatch) -> None:
    hide(monkeypatch, "limits")

    with pytest.raises(ImportError, match=r"pip install 'kit-async\[redis\]'") as raised:
        RateLimit(120, 60.0, storage="redis://127.0.0.1:6379/0")
    assert "needs the 'limits' package" in str(raised.value)
    assert isinstance(raised.value.__cause__, ImportError)


def test_without_limits_the_in_memory_rate_limit_works(monkeypatch) -> None:
    hide(monkeypatch, "limits")

    limit = RateLimit(120, 60.0)

    assert repr(limit) == "RateLimit(120, 60.0, in memory)"

"""Kit's facts live once, in `kit_async/_kit.py`, generated from Kit's description.

`scripts/kit_facts.py` writes the module from
`tests/contract/kit-openapi-v4-2026-12.json`; `nox -s facts` checks it in CI,
and these tests check it under plain `pytest` too, with what the client and
FakeKit declare about each operation.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, get_args

import pytest

from kit_async import _kit

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "kit_facts.py"
PACKAGE = ROOT / "kit_async"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kit_facts_script", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


kit_facts = _load_script()
DESCRIPTION: dict[str, Any] = json.loads(Path(kit_facts.DESCRIPTION).read_text(encoding="utf-8"))
ENUMERATIONS = kit_facts.enumerations(DESCRIPTION)


def test_the_checked_in_module_is_what_the_script_generates_from_the_description() -> None:
    generated = kit_facts.render(DESCRIPTION)
    checked_in = (PACKAGE / "_kit.py").read_text(encoding="utf-8")
    assert checked_in == generated, (
        "kit_async/_kit.py is out of date: regenerate it with `python scripts/kit_facts.py`"
    )


def test_the_script_reads_the_description_checked_in_beside_the_contract_tests() -> None:
    assert Path(kit_facts.DESCRIPTION) == ROOT / "tests/contract/kit-openapi-v4-2026-12.json"
    assert Path(kit_facts.OUTPUT) == PACKAGE / "_kit.py"


@pytest.mark.parametrize("fact", ENUMERATIONS, ids=[fact.name for fact in ENUMERATIONS])
def test_each_tuple_is_its_literals_arguments(fact: Any) -> None:
    values = getattr(_kit, fact.name)
    assert isinstance(values, tuple)
    assert values
    assert values == get_args(getattr(_kit, fact.literal))


def test_the_legacy_event_types_are_the_keys_of_the_legacy_event_table() -> None:
    assert tuple(_kit.LEGACY_EVENTS) == _kit.LEGACY_EVENT_TYPES
    assert get_args(_kit.LegacyEventType) == _kit.LEGACY_EVENT_TYPES


@pytest.mark.parametrize(
    "fact",
    [fact for fact in ENUMERATIONS if not isinstance(fact.source, str)],
    ids=[fact.name for fact in ENUMERATIONS if not isinstance(fact.source, str)],
)
def test_a_value_read_from_the_description_is_written_in_the_description(fact: Any) -> None:
    text = (PACKAGE.parent / "tests/contract/kit-openapi-v4-2026-12.json").read_text()
    missing = [
        value
        for value in getattr(_kit, fact.name)
        if f'"{value}"' not in text and f"`{value}`" not in text
    ]
    assert not missing


def test_the_facts_the_description_lacks_are_marked_as_such_in_the_module() -> None:
    text = (PACKAGE / "_kit.py").read_text(encoding="utf-8")
    by_hand = [fact.name for fact in ENUMERATIONS if isinstance(fact.source, str)]
    assert set(by_hand) | {"LEGACY_EVENTS"} == set(kit_facts.EXTRA)
    for name in by_hand:
        block = text[: text.index(f"{name}: tuple[")]
        comment = block[block.rindex("#: ") :]
        assert "Not in the description (EXTRA in scripts/kit_facts.py)" in comment, name


def test_the_generator_fails_when_the_description_contradicts_itself() -> None:
    document = copy.deepcopy(DESCRIPTION)
    states = document["components"]["schemas"]["FilterCondition"]["properties"]["states"]
    states["items"]["enum"] = ["active", "inactive"]
    with pytest.raises(ValueError, match="SUBSCRIBER_STATES"):
        kit_facts.render(document)


def test_the_generator_fails_when_a_fact_is_gone_from_the_description() -> None:
    document = copy.deepcopy(DESCRIPTION)
    del document["components"]["schemas"]["SubscriberFilterRequest"]["properties"]["counting_mode"]
    with pytest.raises(KeyError, match="counting_mode"):
        kit_facts.render(document)


def test_a_value_kit_adds_to_an_enum_reaches_the_module() -> None:
    document = copy.deepcopy(DESCRIPTION)
    schema = document["components"]["schemas"]["SubscriberFilterRequest"]
    schema["properties"]["counting_mode"]["enum"].append("weighted")
    assert '    "weighted",\n]\nCOUNTING_MODES:' in kit_facts.render(document)


# -- no second copy in the package -------------------------------------------------------------


def _spelled_out(values: tuple[str, ...]) -> re.Pattern[str]:
    """The values written one after the other as string literals, in any layout."""
    return re.compile(r",\s*".join(re.escape(f'"{value}"') for value in values))


MULTI = [fact for fact in ENUMERATIONS if len(getattr(_kit, fact.name)) >= 3]


@pytest.mark.parametrize("fact", MULTI, ids=[fact.name for fact in MULTI])
def test_no_module_but_the_generated_one_spells_out_an_enumeration(fact: Any) -> None:
    pattern = _spelled_out(getattr(_kit, fact.name))
    copies = [
        str(path.relative_to(ROOT))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "_kit.py" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not copies, f"{fact.name} is spelled out by hand in {copies}: import it from _kit"


def test_no_module_but_the_generated_one_keeps_a_legacy_event_table() -> None:
    copies = [
        str(path.relative_to(ROOT))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "_kit.py"
        and '"subscriber.course_complete": "sequence_id"' in path.read_text()
    ]
    assert not copies


# -- what the client and FakeKit declare about each operation ----------------------------------


def _client_declarations() -> list[Any]:
    import importlib
    import pkgutil

    import kit_async._resources
    from kit_async._core.declarations import Bulk, Endpoint, ListEndpoint, NoContent

    found = []
    for info in pkgutil.iter_modules(kit_async._resources.__path__):
        module = importlib.import_module(f"kit_async._resources.{info.name}")
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, Endpoint | NoContent | Bulk | ListEndpoint)
        ]
    return found


def test_the_client_calls_oauth_only_exactly_the_operations_kit_serves_to_oauth_apps_only() -> None:
    from kit_async._core.declarations import Bulk

    declared = {(d.method, d.path): d for d in _client_declarations()}
    oauth_only = {
        operation
        for operation, declaration in declared.items()
        if getattr(declaration, "oauth_only", False) or isinstance(declaration, Bulk)
    }
    assert oauth_only == set(_kit.OAUTH_ONLY_OPERATIONS) & set(declared)


def test_fakekit_serves_only_kits_operations_and_refuses_api_keys_where_kit_does() -> None:
    from kit_async.testing._routes import ROUTES

    served = {(route.method, route.path): route for route in ROUTES}
    # Kit's OAuth server: the token URL and the authorization page of the security
    # schemes (the page's form posts back to it), and revocation (Kit's guide).
    oauth_server = {
        ("POST", "/v4/oauth/token"),
        ("GET", "/v4/oauth/authorize"),
        ("POST", "/v4/oauth/authorize"),
        ("POST", "/v4/oauth/revoke"),
    }
    assert set(served) - oauth_server <= set(_kit.OPERATIONS)
    oauth_only = {operation for operation, route in served.items() if route.oauth_only}
    assert oauth_only == set(_kit.OAUTH_ONLY_OPERATIONS) & set(served)


def test_the_event_types_the_delivery_helpers_know_are_kits() -> None:
    from kit_async.testing import _webhooks

    known = {*_webhooks._SUBSCRIBER_EXTRAS, *_webhooks._STATE_AFTER}
    assert known
    assert known <= set(_kit.WEBHOOK_EVENT_TYPES)

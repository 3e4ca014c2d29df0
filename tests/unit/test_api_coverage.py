"""Which of Kit's documented operations the library declares.

Kit's OpenAPI description (vendored as `tests/contract/kit-openapi-v4-2026-12.json`)
lists 85 operations, generated into `kit_async._kit.OPERATIONS`. Every
operation the library declares (an `Endpoint`, `NoContent`, `Bulk` or
`ListEndpoint` in a resource module) must be one of them, with Kit's method
and path; the count of those covered is printed with the test run.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import kit_async._converter
import kit_async._resources
from kit_async import _kit
from kit_async._converter import Envelope, decode_items, decode_list, decode_object
from kit_async._core.declarations import Bulk, Endpoint, ListEndpoint, NoContent

DESCRIPTION = Path(__file__).parents[1] / "contract" / "kit-openapi-v4-2026-12.json"
# Every operation of Kit's description is declared.
NOT_DECLARED_YET: set[tuple[str, str]] = set()


def documented() -> set[tuple[str, str]]:
    return set(_kit.OPERATIONS)


def declared() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for info in pkgutil.iter_modules(kit_async._resources.__path__):
        module = importlib.import_module(f"kit_async._resources.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Endpoint | NoContent | Bulk | ListEndpoint):
                found.add((value.method, value.path))
    return found


def test_kits_description_lists_85_operations() -> None:
    assert len(documented()) == len(_kit.OPERATIONS) == 85


def test_every_declared_operation_is_one_kit_documents() -> None:
    unknown = declared() - documented()
    assert not unknown, f"declared but not in Kit's description: {sorted(unknown)}"


def test_how_many_of_kits_operations_are_declared(capsys: pytest.CaptureFixture[str]) -> None:
    covered = declared() & documented()
    with capsys.disabled():
        print(f"\nAPI coverage: {len(covered)} of {len(documented())} Kit operations declared")
    assert len(covered) == 85


def test_every_operation_kit_documents_is_declared() -> None:
    assert documented() >= NOT_DECLARED_YET
    assert not NOT_DECLARED_YET & declared(), "declared now: take it out of NOT_DECLARED_YET"
    missing = documented() - declared() - NOT_DECLARED_YET
    assert not missing, f"{len(missing)} not declared yet: {sorted(missing)}"


# -- the coverage page of the docs is generated from the declarations -------------------------

PAGE = Path(__file__).parents[2] / "docs" / "api-coverage.md"
START, END = "<!-- operations:start -->", "<!-- operations:end -->"


def _resources() -> list[tuple[str, type]]:
    """(attribute on KitClient, resource class), in the client's order."""
    from kit_async import KitClient
    from kit_async._core.declarations import Resource

    kit = KitClient("kit_coverage_page", rate_limit=None)
    return [(name, type(value)) for name, value in vars(kit).items() if isinstance(value, Resource)]


def operations_table() -> str:
    """The Markdown table of every declared operation, the method that calls it and its retry rule."""
    rows = []
    for attribute, resource in _resources():
        module = importlib.import_module(resource.__module__)
        declarations = {
            name: value
            for name, value in vars(module).items()
            if isinstance(value, Endpoint | NoContent | Bulk | ListEndpoint)
        }
        for method_name, function in vars(resource).items():
            if method_name.startswith("_") or not callable(function):
                continue
            for name in function.__code__.co_names:
                declaration = declarations.get(name)
                if declaration is None:
                    continue
                http = declaration.method
                if declaration.retry_safe is None:
                    retry = "yes" if http != "POST" else "only if never sent"
                else:
                    retry = "yes" if declaration.retry_safe else "only if never sent"
                oauth = (
                    "yes"
                    if getattr(declaration, "oauth_only", False) or isinstance(declaration, Bulk)
                    else ""
                )
                rows.append(
                    f"| `kit.{attribute}.{method_name}()` | `{http} {declaration.path}` | {retry} | {oauth} |"
                )
    header = (
        "| Method | Kit operation | Retried after a 5xx or a timeout | OAuth only |\n"
        "| --- | --- | --- | --- |"
    )
    return "\n".join([header, *rows])


def test_the_coverage_page_lists_every_declared_operation_as_declared() -> None:
    text = PAGE.read_text(encoding="utf-8")
    table = text[text.index(START) + len(START) : text.index(END)].strip()
    expected = operations_table()
    assert table == expected, (
        f"docs/api-coverage.md is out of date; its table should be:\n{expected}"
    )


# -- every 2xx example in Kit's description decodes with the library's models -----------------


def _declarations() -> list[Endpoint[Any] | NoContent | Bulk[Any] | ListEndpoint[Any]]:
    found = []
    for info in pkgutil.iter_modules(kit_async._resources.__path__):
        module = importlib.import_module(f"kit_async._resources.{info.name}")
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, Endpoint | NoContent | Bulk | ListEndpoint)
        ]
    return found


def _untranscribed(operation: dict[str, Any], response: dict[str, Any]) -> bool:
    """A success whose schema and example Kit's page did not give (see its `x-transcription`)."""
    return "content" not in response and "x-transcription" in operation


def _examples() -> list[tuple[str, Any, str, Any]]:
    """(operation id, declaration, status, example body) for every declared 2xx example."""
    paths = json.loads(DESCRIPTION.read_text())["paths"]
    cases = []
    for declaration in _declarations():
        method = declaration.method
        operation = paths[declaration.path][method.lower()]
        for status, response in operation["responses"].items():
            if not status.startswith("2") or _untranscribed(operation, response):
                continue
            content = (response.get("content") or {}).get("application/json") or {}
            cases.append(
                (
                    f"{method} {declaration.path} {status}",
                    declaration,
                    status,
                    content.get("example"),
                )
            )
    return cases


EXAMPLES = _examples()


@pytest.mark.parametrize(
    ("declaration", "status", "body"), [c[1:] for c in EXAMPLES], ids=[c[0] for c in EXAMPLES]
)
def test_kits_example_answer_decodes_with_the_declared_model(
    declaration: Any, status: str, body: Any
) -> None:
    where = {"method": declaration.method, "path": declaration.path}
    if isinstance(declaration, ListEndpoint):
        items, pagination = decode_items(body, declaration.model, declaration.envelope, **where)
        assert pagination.per_page >= 1
        assert all(isinstance(item, declaration.model) for item in items)
    elif isinstance(declaration, NoContent):
        assert status == "204"
        assert body is None
    elif isinstance(declaration, Bulk):
        if status == "202":
            assert body == {}
        elif declaration.items_at is not None:
            items = decode_list(
                body, declaration.model, Envelope(at=(declaration.items_at,)), **where
            )
            assert all(isinstance(item, declaration.model) for item in items)
        else:
            assert isinstance(body.get("failures"), list)
    else:
        value = decode_object(body, declaration.model, declaration.envelope, **where)
        assert isinstance(value, declaration.model)


def test_only_the_delivery_historys_answers_have_no_example_to_decode() -> None:
    # Kit's pages of these two stop before the answers: their decoding is
    # tested against answers of Kit's known fields (test_webhook_deliveries.py).
    paths = json.loads(DESCRIPTION.read_text())["paths"]
    untranscribed = {
        (method.upper(), path)
        for path, operations in paths.items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status.startswith("2") and _untranscribed(operation, response)
    }
    assert untranscribed == {
        ("GET", "/v4/webhook_endpoints/{id}/deliveries"),
        ("GET", "/v4/webhook_endpoints/{id}/deliveries/{delivery_id}"),
    }


def test_every_declared_success_has_an_example_to_decode() -> None:
    assert EXAMPLES
    missing = [case[0] for case in EXAMPLES if case[3] is None and case[2] != "204"]
    assert not missing, f"no example body for {missing}"


DECODED = [c for c in EXAMPLES if isinstance(c[1], Endpoint | ListEndpoint)]


@pytest.mark.requires_extra("fast")
@pytest.mark.parametrize(
    ("declaration", "body"), [(c[1], c[3]) for c in DECODED], ids=[c[0] for c in DECODED]
)
def test_kits_example_answer_decodes_the_same_with_msgspec(declaration: Any, body: Any) -> None:
    # The [fast] path decodes every model of the engine itself (no fallback to
    # cattrs), into the same objects of the same classes.
    fast = kit_async._converter._fast
    assert fast is not None
    content = json.dumps(body).encode()
    where = {"method": declaration.method, "path": declaration.path}
    if isinstance(declaration, ListEndpoint):
        decoded = fast.items(content, declaration.model, declaration.envelope)
        expected = decode_items(body, declaration.model, declaration.envelope, **where)
    else:
        decoded = fast.object(content, declaration.model, declaration.envelope)
        expected = decode_object(body, declaration.model, declaration.envelope, **where)
    assert decoded is not None, "msgspec refused Kit's own example"
    assert decoded == expected
    assert repr(decoded) == repr(expected)

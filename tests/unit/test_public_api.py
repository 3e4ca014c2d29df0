"""The public surface: each name in one home, `import kit_async` cheap, old names kept."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import kit_async
import kit_async.errors
import kit_async.models
import kit_async.resources
from kit_async import KitClient

ROOT = Path(__file__).resolve().parents[2]


def test_every_name_of_all_resolves_once() -> None:
    assert len(kit_async.__all__) == len(set(kit_async.__all__))
    for name in kit_async.__all__:
        assert getattr(kit_async, name) is not None, name


def _star_imports_for_type_checkers() -> list[str]:
    tree = ast.parse((ROOT / "kit_async" / "__init__.py").read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If))
    return [
        "." * node.level + (node.module or "")
        for node in block.body
        if isinstance(node, ast.ImportFrom) and node.names[0].name == "*"
    ]


def test_type_checkers_and_the_lazy_loading_read_the_same_modules() -> None:
    assert sorted(_star_imports_for_type_checkers()) == sorted(kit_async._HOMES)


def test_each_public_name_has_exactly_one_home() -> None:
    homes = [importlib.import_module(home, "kit_async") for home in kit_async._HOMES]
    for name in set(kit_async.__all__) - set(kit_async.errors.__all__) - {"__version__"}:
        found = [home.__name__ for home in homes if name in home.__all__]
        assert len(found) == 1, (name, found)


def test_the_errors_and_models_at_the_top_are_the_ones_of_their_modules() -> None:
    errors = set(kit_async.errors.__all__) & set(kit_async.__all__)
    models = set(kit_async.models.__all__) & set(kit_async.__all__)
    assert errors == set(kit_async.errors.__all__)
    for name in errors:
        assert getattr(kit_async, name) is getattr(kit_async.errors, name)
    for name in models:
        assert getattr(kit_async, name) is getattr(kit_async.models, name)
    # The read-only containers are new: they live in kit_async.models only.
    assert {"FrozenDict", "FrozenList"} <= set(kit_async.models.__all__) - models


def test_the_models_module_is_their_home() -> None:
    for name in kit_async.models.__all__:
        model = getattr(kit_async.models, name)
        assert model.__module__.startswith("kit_async.models."), name
        assert inspect.getdoc(model), name


def test_every_namespace_of_the_client_has_its_class_in_resources() -> None:
    kit = KitClient("kit_key", rate_limit=None)
    exported = {getattr(kit_async.resources, name) for name in kit_async.resources.__all__}
    namespaces = {
        name: type(value) for name, value in vars(kit).items() if not name.startswith("_")
    }
    assert namespaces  # the client has its namespaces as attributes
    for name, kind in namespaces.items():
        assert kind in exported, name
    assert type(kit.account).__name__ == "AccountEndpoints"


def test_the_submodules_are_reachable_from_the_package() -> None:
    assert kit_async.models.Subscriber is kit_async.Subscriber
    assert "models" in dir(kit_async)
    assert "resources" in dir(kit_async)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Client'"):
        _ = kit_async.Client


def _fresh(code: str) -> str:
    return subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.strip()


def test_import_kit_async_loads_neither_aiohttp_nor_attrs() -> None:
    loaded = _fresh(
        "import sys, kit_async; "
        "print(sorted(m for m in ('aiohttp', 'attrs', 'cattrs', 'kit_async.models') "
        "if m in sys.modules))"
    )
    assert loaded == "[]"


def test_a_model_from_the_top_loads_the_models_but_not_aiohttp() -> None:
    loaded = _fresh(
        "import sys, kit_async; kit_async.Subscriber; "
        "print(sorted(m for m in ('aiohttp', 'kit_async.models') if m in sys.modules))"
    )
    assert loaded == "['kit_async.models']"

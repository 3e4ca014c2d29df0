"""FakeKit's own classes are named apart from the client's models and webhook payloads."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import kit_async
import kit_async.errors
import kit_async.sync
import kit_async.testing
import kit_async.webhooks


def _public_classes(module: ModuleType) -> set[str]:
    return {name for name in module.__all__ if isinstance(getattr(module, name), type)}


def _testing_modules() -> list[ModuleType]:
    package = kit_async.testing
    return [package] + [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
    ]


def test_no_fakekit_class_shares_a_name_with_a_client_class() -> None:
    client = set().union(
        *(
            _public_classes(module)
            for module in (kit_async, kit_async.errors, kit_async.sync, kit_async.webhooks)
        )
    )
    fake = {
        value.__name__
        for module in _testing_modules()
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__ == module.__name__
    }

    assert {"FakeKit", "Fault"} <= fake  # the walk found the modules
    assert fake & client == set()

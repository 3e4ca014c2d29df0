"""The package stays one a reader can take in: short modules, no import cycle.

Two checks on kit_async's source (read with `ast`, nothing imported):
no module over 500 lines except a short list of generated or declarative
ones, and no cycle among the imports modules make when they are loaded
(imports under `if TYPE_CHECKING:` and inside functions are not made then).
"""

from __future__ import annotations

import ast
from pathlib import Path

import kit_async

PACKAGE = Path(kit_async.__file__).parent
MAX_LINES = 500

#: Modules allowed over MAX_LINES, and why. Generated or declarative tables
#: only; anything else over the limit is to be split.
#: Generated from Kit's description by scripts/ (the facts about Kit): any length.
GENERATED = {"_kit.py"}
LONG_MODULES = {
    # Declarative: 12 declarations, one documented method each (shaping: subscriber_*.py).
    "_resources/subscribers.py",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def load_time_imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """The import statements run when the module is loaded (not in functions or classes' methods)."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If):
            if not is_type_checking(node.test):
                found += load_time_imports(node.body)
            found += load_time_imports(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                found += load_time_imports(block)
            for handler in node.handlers:
                found += load_time_imports(handler.body)
        elif isinstance(node, ast.With):
            found += load_time_imports(node.body)
    return found


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """The kit_async modules `name` imports when it is loaded."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in load_time_imports(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            bases = [alias.name for alias in node.names]
        else:
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                base = node.module or ""
            # `from . import x` imports the module `x` when there is one.
            submodules = [f"{base}.{alias.name}" for alias in node.names]
            bases = [module for module in submodules if module in known] or [base]
        targets.update(base for base in bases if base in known)
    # (A package is loaded before its modules, so a module's import of its
    # own package finds it in `sys.modules`: that is no cycle, but an edge
    # all the same; none exists today.)
    targets.discard(name)
    return targets


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as a path `a -> b -> ... -> a`, or `None`."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for following in sorted(graph[node]):
            if state.get(following) == 1:
                return [*path[path.index(following) :], following]
            if following not in state and (cycle := visit(following)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_module_is_over_500_lines_but_the_listed_ones() -> None:
    long = {
        path.relative_to(PACKAGE).as_posix(): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    allowed = LONG_MODULES | GENERATED
    unlisted = {name: lines for name, lines in long.items() if name not in allowed}
    assert not unlisted, f"modules over {MAX_LINES} lines: split them ({unlisted})"
    # A listed module that got short again leaves the list.
    assert set(long) >= LONG_MODULES, f"now short: {sorted(LONG_MODULES - set(long))}"


def test_no_import_cycle_among_modules_at_load_time() -> None:
    found = modules()
    known = set(found)
    graph = {name: imported_modules(name, path, known) for name, path in found.items()}
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle_and_ignores_type_checking_imports() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"b"}}) is None
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "from .x import y\n"
        "if TYPE_CHECKING:\n    from .z import w\n"
        "def f():\n    from .v import u\n"
    )
    found = [
        node.module for node in load_time_imports(tree.body) if isinstance(node, ast.ImportFrom)
    ]
    assert found == ["typing", "x"]


def test_the_request_and_reply_values_depend_on_nothing_else_of_the_package() -> None:
    # Decoding is the caller's (`Transport.call(request, decode)`), not the values'.
    found = modules()
    path = found["kit_async._core.values"]
    assert imported_modules("kit_async._core.values", path, set(found)) == set()

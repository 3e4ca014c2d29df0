"""Start-up: `import kit_async` loads its public names lazily, and the
`kit-async` executable turns a Ctrl-C during its imports into exit code 130."""

from __future__ import annotations

import importlib
import logging
import signal
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest

import kit_async

REPO = Path(__file__).resolve().parents[2]


def run_python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the test's own interpreter
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


def test_import_kit_async_loads_neither_aiohttp_nor_the_client() -> None:
    result = run_python(
        "import sys, kit_async, kit_async._entry; "
        "print(sorted(m for m in ('aiohttp', 'kit_async._client', 'kit_async._cli') "
        "if m in sys.modules))"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"


@pytest.mark.parametrize("name", sorted(set(kit_async.__all__) - {"__version__"}))
def test_every_public_name_is_the_object_of_its_module(name: str) -> None:
    value = getattr(kit_async, name)

    home = importlib.import_module(getattr(value, "__module__", "kit_async._client"))
    assert getattr(home, name) is value


def test_from_kit_async_import_star_gives_every_public_name() -> None:
    result = run_python(
        "from kit_async import *; import kit_async; "
        "print(all(globals()[n] is getattr(kit_async, n) for n in kit_async.__all__))"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "True\n"


def test_dir_lists_every_public_name_before_it_is_used() -> None:
    result = run_python(
        "import kit_async; print(set(kit_async.__all__) <= set(dir(kit_async)))",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "True\n"


def test_the_errors_module_is_an_attribute_of_the_package() -> None:
    result = run_python("import kit_async; print(kit_async.errors.KitError is kit_async.KitError)")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "True\n"


def test_an_unknown_name_raises_the_usual_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"^module 'kit_async' has no attribute 'KitClent'$"):
        kit_async.KitClent  # noqa: B018 - the access is the test

    with pytest.raises(ImportError, match="cannot import name 'KitClent'"):
        from kit_async import KitClent  # noqa: F401


def _console_script() -> tuple[str, str]:
    """The module and function the `kit-async` executable runs (pyproject.toml)."""
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, function = scripts["kit-async"].partition(":")
    return module, function


def test_ctrl_c_while_the_executable_imports_exits_130_with_one_line(tmp_path: Path) -> None:
    # A stand-in for aiohttp, first on the path: it says when the imports have
    # reached it and then waits there, as a slow disk would, for the Ctrl-C.
    (tmp_path / "aiohttp.py").write_text(
        "import sys, time\nprint('importing aiohttp', flush=True)\ntime.sleep(60)\n"
    )
    module, function = _console_script()
    # What pip's executable does, with Ctrl-C raising KeyboardInterrupt as in
    # a terminal even when this test run itself ignores SIGINT.
    code = (
        "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        f"sys.argv = ['kit-async', '--version']; from {module} import {function}; "
        f"sys.exit({function}())"
    )
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(  # noqa: S603 - the test's own interpreter
        [sys.executable, "-c", code],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    timer = threading.Timer(30, process.kill)  # a readline() that never ends
    timer.start()
    try:
        assert process.stdout.readline() == "importing aiohttp\n", process.communicate()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        timer.cancel()
        process.kill()

    assert process.returncode == 130, err
    assert out == ""
    assert err == "kit-async: interrupted\n"


def test_console_quiets_staminas_retry_warnings_then_runs_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kit_async import _entry

    monkeypatch.setattr(sys, "argv", ["kit-async", "--version"])
    stamina_log = logging.getLogger("stamina")
    level = stamina_log.level
    try:
        assert _entry.console() == 0
        # The executable's choice: stamina's WARNING per retry stays off stderr.
        assert stamina_log.getEffectiveLevel() == logging.ERROR
    finally:
        stamina_log.setLevel(level)
    assert kit_async.__version__ in capsys.readouterr().out

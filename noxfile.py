"""Every check of the project, one nox session each.

`nox` with no arguments runs every check that needs only the Python running nox
(tests, tests_minimal, package, lint, typecheck, docs, demo, facts). CI (`.ci/run`) runs
those too, plus the version matrix (`tests_matrix-3.11`, `-3.12`, `-3.13`) and
`tests_lowest` (Python 3.11), which need those interpreters installed.

A requested interpreter that is missing fails the session: nothing is ever
skipped, so a green run means the checks ran.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import nox
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

nox.needs_version = ">=2024.4.15"
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
if hasattr(nox.options, "download_python"):  # nox 2025.10.14 and later
    # Never fetch an interpreter: a missing one fails instead.
    nox.options.download_python = "never"
nox.options.sessions = [
    "tests",
    "tests_minimal",
    "package",
    "lint",
    "typecheck",
    "docs",
    "demo",
    "facts",
]
# Reused virtualenvs are recreated when the Python running nox changes
# (otherwise `.nox/tests` made by 3.11 would quietly run the tests on 3.11 again).
os.environ.setdefault("NOX_ENABLE_STALENESS_CHECK", "1")

ROOT = Path(__file__).resolve().parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
REQUIRES_PYTHON = SpecifierSet(PYPROJECT["project"]["requires-python"])
# The versions we support and test: the classifiers, one source of truth.
SUPPORTED = [
    c.rsplit(" :: ", 1)[1]
    for c in PYPROJECT["project"]["classifiers"]
    if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
]
ALL_EXTRAS = ".[redis,fast,cli,sync,postgres,apps,otel,fleet]"
EXTRA_MODULES = {
    "redis": "limits",
    "fast": "msgspec",
    "cli": "rich",
    "sync": "aiosqlite",
    "postgres": "asyncpg",
    "apps": "cryptography",
    "fleet": "arq",
    # No "otel": fastapi (a test dependency) brings opentelemetry-api, and the
    # tests' SDK below needs it too, so the minimal session has the API.
}
TEST_DEPS = [
    "pytest>=8",
    "pytest-asyncio>=0.24",
    "pytest-cov>=5",
    "aioresponses>=0.7.6",
    "hypothesis>=6.100",
    "psutil>=5.9",
    # The docs' FastAPI recipes run in the tests, served by uvicorn on loopback.
    "fastapi>=0.115",
    "uvicorn>=0.30",
    # The guide's example Kit App runs in a headless Chromium (Debian's chromium
    # and chromium-driver, installed by .ci/run), driven by selenium.
    "selenium>=4.20",
    # The OpenTelemetry tests record spans and metrics in memory (kit-async[otel]
    # needs only the API; the SDK is the application's).
    "opentelemetry-sdk>=1.30",
]
# The same pins as .pre-commit-config.yaml (the lint session checks they agree).
# Pinned: each ruff release may add rules to the selected families, or change
# the format; ruff older than 0.8 does not even know the `TC` rules selected.
RUFF = "ruff==0.17.5"
# With the schema store's plugin it also validates [tool.ruff], [tool.mypy],
# [tool.pytest.ini_options] and [tool.hatch], not only [project].
VALIDATE_PYPROJECT = [
    "validate-pyproject[all]==0.27",
    "validate-pyproject-schema-store==2026.10.23",
]
MYPY = "mypy>=1.11"


def _runs(version: str) -> bool:
    """Whether `pythonX.Y` really runs here: a pyenv shim on PATH may only say "not found"."""
    executable = shutil.which(f"python{version}")
    if executable is None:
        return False
    try:
        probe = subprocess.run(  # noqa: S603 - an interpreter from PATH, fixed arguments
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0 and probe.stdout.strip() == version


FOUND = [version for version in SUPPORTED if _runs(version)]


def _require_supported(session: nox.Session) -> None:
    """Fail clearly when nox itself runs on a Python kit-async does not support."""
    running = ".".join(map(str, sys.version_info[:3]))
    if running not in REQUIRES_PYTHON:
        newest = f"python{SUPPORTED[-1]}"
        session.error(
            f"kit-async needs Python {REQUIRES_PYTHON}, but nox runs on Python {running} "
            f"({sys.executable}): run nox with a supported Python "
            f"({', '.join(SUPPORTED)}), e.g. "
            f"`{newest} -m pip install nox && {newest} -m nox -s {session.name}`"
        )


def _pytest(session: nox.Session, *args: str) -> None:
    """Run pytest; arguments after `--` replace nothing, they are added."""
    session.run("pytest", *args, *session.posargs)


def _source_version() -> str:
    """`__version__` as written in kit_async/_version.py."""
    text = (ROOT / "kit_async" / "_version.py").read_text()
    found = re.search(r'^__version__ = "([^"]+)"$', text, flags=re.MULTILINE)
    if found is None:
        msg = 'kit_async/_version.py: no `__version__ = "..."` line'
        raise RuntimeError(msg)
    return found[1]


@nox.session
def tests(session: nox.Session) -> None:
    """The whole suite with every extra, on the Python running nox; coverage fails under 95%."""
    _require_supported(session)
    session.install("-e", ALL_EXTRAS, *TEST_DEPS)
    _pytest(session, "--cov=kit_async", "--cov-report=term", "--cov-fail-under=95")


if FOUND:

    @nox.session(python=FOUND)
    def tests_matrix(session: nox.Session) -> None:
        """The whole suite with every extra, on each supported Python found here."""
        session.install("-e", ALL_EXTRAS, *TEST_DEPS)
        _pytest(session)


for _missing in [v for v in SUPPORTED if v not in FOUND]:

    @nox.session(name=f"tests_matrix-{_missing}", python=False)
    def _not_found(session: nox.Session, version: str = _missing) -> None:
        session.error(
            f"Python {version} is not installed here (python{version} is not on PATH, "
            "or does not run: with pyenv, list it in PYENV_VERSION)"
        )

    _not_found.__doc__ = f"Fails: Python {_missing} is not installed here."


@nox.session
def tests_minimal(session: nox.Session) -> None:
    """The whole suite without any extra (no msgspec, rich or limits): their fallbacks run."""
    _require_supported(session)
    session.install("-e", ".", *TEST_DEPS)
    probe = (
        "import importlib.util as u; "
        f"print(' '.join(m for m in {sorted(EXTRA_MODULES.values())!r} if u.find_spec(m)))"
    )
    present = session.run("python", "-c", probe, silent=True) or ""
    if present.strip():
        session.error(f"the test dependencies brought in extras' packages: {present.strip()}")
    _pytest(session)


def _lowest_constraints() -> list[str]:
    """`name==X` for each `name>=X` of the package and its extras."""
    project = PYPROJECT["project"]
    requirements = [
        *project["dependencies"],
        *(r for extra in project["optional-dependencies"].values() for r in extra),
    ]
    pins = []
    for text in requirements:
        requirement = Requirement(text)
        lower = [s.version for s in requirement.specifier if s.operator == ">="]
        if len(lower) != 1:
            msg = f"pyproject.toml: {text!r} needs exactly one lower bound (>=)"
            raise ValueError(msg)
        pins.append(f"{requirement.name}=={lower[0]}")
    return pins


@nox.session(python="3.11")
def tests_lowest(session: nox.Session) -> None:
    """The suite against the lowest versions pyproject.toml allows for each dependency."""
    pins = _lowest_constraints()
    constraints = Path(session.create_tmp()) / "lowest-constraints.txt"
    constraints.write_text("\n".join(pins) + "\n")
    session.install("-c", str(constraints), "-e", ALL_EXTRAS, *TEST_DEPS)
    names = [pin.split("==")[0] for pin in pins]
    probe = "import importlib.metadata as m, sys; print(*(m.version(n) for n in sys.argv[1:]))"
    installed = (session.run("python", "-c", probe, *names, silent=True) or "").split()
    wrong = [
        f"{pin} (installed {got})"
        for pin, got in zip(pins, installed, strict=True)
        if Version(got) != Version(pin.split("==")[1])
    ]
    if wrong:
        session.error(f"not the lowest versions: {', '.join(wrong)}")
    session.log(f"lowest versions: {', '.join(pins)}")
    _pytest(session)


def _only(paths: list[Path], pattern: str) -> Path:
    """The one path of `paths`, else an error naming what was found."""
    if len(paths) != 1:
        msg = f"expected one {pattern}, found {[p.name for p in paths]}"
        raise RuntimeError(msg)
    return paths[0]


SMOKE_TEST = """
import asyncio, importlib.metadata, pathlib, sys
import kit_async
from kit_async.testing import FakeKit

checkout = pathlib.Path(sys.argv[1])
here = pathlib.Path(kit_async.__file__).resolve()
assert checkout not in here.parents, f"imported from the checkout: {here}"
assert "site-packages" in here.parts, here
assert kit_async.__version__ == importlib.metadata.version("kit-async") == sys.argv[2]

async def main():
    async with FakeKit(broadcasts=3, clicks=150, drafts=0) as server:
        async with kit_async.KitClient(server.api_key, base_url=server.url) as kit:
            clicks = [c async for c in kit.iter_broadcast_clicks(2, per_page=100)]
    assert len(clicks) == 150, len(clicks)
    assert {c.url for c in clicks} == {c["url"] for c in server.clicks_of(2)}

asyncio.run(main())
print(f"kit-async {kit_async.__version__} from {here.parent}: import, version and FakeKit ok")
"""


@nox.session
def package(session: nox.Session) -> None:
    """Build the sdist and wheel, check them, and use the installed wheel from elsewhere."""
    _require_supported(session)
    session.install("build>=1.2", "twine>=5")
    tmp = Path(session.create_tmp()).resolve()
    dist = tmp / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", str(dist))
    session.run("twine", "check", "--strict", *map(str, sorted(dist.iterdir())))

    sdist = _only(sorted(dist.glob("*.tar.gz")), "sdist")
    with tarfile.open(sdist) as archive:
        junk = [n for n in archive.getnames() if re.search(r"node_modules|__pycache__|\.nox/", n)]
    if junk:
        session.error(f"{sdist.name} holds files that are not the project's: {junk[:5]}")

    wheel = _only(sorted(dist.glob("*.whl")), "wheel")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    if "kit_async/py.typed" not in names:
        session.error(f"{wheel.name} lacks kit_async/py.typed (types would be ignored)")
    stray = [n for n in names if not n.startswith(("kit_async/", "kit_async-"))]
    if stray:
        session.error(f"{wheel.name} holds files outside the package: {stray}")
    # hatchling before 1.27 wrote no License-Expression (1.26.0 no license at all).
    if b"\nLicense-Expression: MIT\n" not in metadata:
        session.error(f"{wheel.name}: its metadata has no License-Expression: MIT")

    # A fresh venv and a working directory outside the checkout, so that only
    # the installed wheel can be imported.
    with tempfile.TemporaryDirectory(prefix="kit-async-wheel-") as outside:
        where = Path(outside)
        session.run("python", "-m", "venv", str(where / "venv"))
        bindir = where / "venv" / ("Scripts" if sys.platform == "win32" else "bin")
        python = str(bindir / "python")
        session.run(python, "-m", "pip", "install", "--quiet", str(wheel), external=True)
        with session.chdir(where):
            demo = ["demo", "--format", "csv", "--output", "demo.csv"]
            session.run(str(bindir / "kit-async"), *demo, external=True)
            rows = (where / "demo.csv").read_text().splitlines()
            if len(rows) < 2:
                session.error(f"kit-async demo wrote {len(rows)} line(s)")
            version = _source_version()
            session.run(python, "-I", "-c", SMOKE_TEST, str(ROOT), version, external=True)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff (lint and format check) and validate-pyproject, pinned as in pre-commit."""
    _require_supported(session)
    config = (ROOT / ".pre-commit-config.yaml").read_text()
    for pin in (RUFF, *VALIDATE_PYPROJECT):
        if f'"{pin}"' not in config:
            session.error(f".pre-commit-config.yaml does not pin {pin} as nox does")
    session.install(RUFF, *VALIDATE_PYPROJECT)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("validate-pyproject", "pyproject.toml")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check: mypy --strict on the package and tests/typing/, every other test body too."""
    _require_supported(session)
    session.install("-e", ALL_EXTRAS, MYPY, *TEST_DEPS)
    session.run("mypy", "kit_async")
    session.run("mypy", "tests")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the docs site strictly (a broken reference fails)."""
    _require_supported(session)
    session.install(
        "-e",
        ALL_EXTRAS,
        "mkdocs>=1.6",
        "mkdocs-material>=9.5",
        "mkdocstrings[python]>=0.26",
    )
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")


@nox.session
def demo(session: nox.Session) -> None:
    """Run the main job (a click export to CSV) against the embedded FakeKit.

    Extra arguments go to `kit-async demo` (e.g. `nox -s demo -- --per-page 100`).
    """
    _require_supported(session)
    session.install("-e", ".[fast,cli]")
    args = session.posargs or ["--format", "csv", "--output", "demo-clicks.csv"]
    session.run("kit-async", "demo", *args)


@nox.session(python=False)
def facts(session: nox.Session) -> None:
    """Kit's facts: kit_async/_kit.py must be what scripts/kit_facts.py makes of Kit's description.

    The script needs only the standard library, so no virtualenv is made.
    """
    _require_supported(session)
    checked_in = ROOT / "kit_async" / "_kit.py"
    with tempfile.TemporaryDirectory(prefix="kit-facts-") as tmp:
        generated = Path(tmp) / "_kit.py"
        session.run(
            sys.executable, "scripts/kit_facts.py", "--output", str(generated), external=True
        )
        expected = generated.read_text(encoding="utf-8")
    actual = checked_in.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            actual.splitlines(keepends=True),
            expected.splitlines(keepends=True),
            "kit_async/_kit.py (checked in)",
            "kit_async/_kit.py (generated)",
        )
        session.error(
            "kit_async/_kit.py differs from what scripts/kit_facts.py generates from Kit's"
            f" description:\n{''.join(diff)}\nRegenerate it with: python scripts/kit_facts.py"
        )
    session.log("kit_async/_kit.py is what scripts/kit_facts.py generates")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: ratios measured side by side in one run (see docs/performance.md)."""
    _require_supported(session)
    _install_bench(session)
    session.run("python", "bench/run.py", *session.posargs)


@nox.session(python=SUPPORTED)
def bench_decode(session: nox.Session) -> None:
    """Measure 1 (decoding CPU, both installs) on each supported Python.

    The ratios depend on the interpreter (its cyclic collector above all; see
    docs/performance.md). Extra arguments go to `bench/run.py` (`--quick`).
    """
    _install_bench(session)
    output = f"bench/results-decode-{session.python}.json"
    session.run("python", "bench/run.py", "--only", "decode", "--output", output, *session.posargs)


def _install_bench(session: nox.Session) -> None:
    # orjson: a second yardstick (a hand-written loop with orjson.loads).
    # opentelemetry-sdk: measure 7 (tracing on against off).
    # fleet, postgres, apps: measure 8 (kit-async worker processes, PostgreSQL, a
    # token store); it also needs redis-server and PostgreSQL's server binaries,
    # which bench/run.py checks before any measure runs.
    session.install(
        "-e",
        ".[fast,sync,otel,fleet,postgres,apps]",
        "aiolimiter>=1.1",
        "psutil>=5.9",
        "orjson>=3.9",
        "opentelemetry-sdk>=1.30",
    )

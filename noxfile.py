"""Every check of the project, one nox session each. CI runs the default ones."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = False
# `nox` with no arguments runs exactly what CI runs.
nox.options.sessions = ["tests", "lint", "typecheck", "docs", "demo"]

PYTHON = "3.11"
TEST_DEPS = [
    "pytest>=8",
    "pytest-asyncio>=0.24",
    "pytest-cov>=5",
    "aioresponses>=0.7.6",
    "hypothesis>=6.100",
    "psutil>=5.9",
]


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole test suite, with coverage of kit_async (fails under 95%)."""
    session.install("-e", ".[redis,fast,cli]", *TEST_DEPS)
    session.run(
        "pytest",
        "--cov=kit_async",
        "--cov-report=term",
        "--cov-fail-under=95",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff: lint and format check."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package and on a file that uses the public API."""
    session.install("-e", ".[redis,fast,cli]", "mypy>=1.11")
    session.run("mypy", "--strict", "kit_async")
    session.run("mypy", "--strict", "tests/typing")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the docs site strictly (a broken reference fails)."""
    session.install(
        "-e",
        ".[redis,fast,cli]",
        "mkdocs>=1.6",
        "mkdocs-material>=9.5",
        "mkdocstrings[python]>=0.26",
    )
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Run the main job (a click export to CSV) against the embedded FakeKit.

    Extra arguments go to `kit-async demo` (e.g. `nox -s demo -- --per-page 100`).
    """
    session.install("-e", ".[fast,cli]")
    args = session.posargs or ["--format", "csv", "--output", "demo-clicks.csv"]
    session.run("kit-async", "demo", *args)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: ratios measured side by side in one run (see docs/performance.md)."""
    session.install("-e", ".[fast]", "aiolimiter>=1.1", "psutil>=5.9")
    session.run("python", "bench/run.py", *session.posargs)

"""Shared fixtures: synthetic pages with known mark positions, and a tmp output folder.

Ground truth always comes from the renderer's geometry (srs_scan.synth), never from
the reader's own output.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

from srs_scan.synth import MarkSpec, RenderedPage, render_form

# Hypothesis: in CI (CI set) the examples are derived from each test's name, the same on
# every run, so a failure reproduces; "slow" (--hypothesis-profile=slow, or
# SRS_SCAN_HYPOTHESIS=slow) draws ten times the examples for a deliberate, longer search.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("slow", max_examples=1000, deadline=None, print_blob=True)
if os.environ.get("SRS_SCAN_HYPOTHESIS"):
    settings.load_profile(os.environ["SRS_SCAN_HYPOTHESIS"])
elif os.environ.get("CI"):
    settings.load_profile("ci")


def examples(n: int) -> int:
    """A test's usual number of examples, times ten under the "slow" profile (whose
    max_examples is above the default's 100); per-test settings would override it."""
    return n * 10 if settings.default.max_examples > 100 else n


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="also run tests marked slow (or set SRS_SCAN_SLOW=1)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: expensive, not needed for the proof; run with --run-slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow") or os.environ.get("SRS_SCAN_SLOW"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow (or SRS_SCAN_SLOW=1)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


# Tolerances, from the reader's measured error (tests/read/test_accuracy.py has the
# figures and how they were measured; benchmarks/accuracy.py the full distribution).
SCAN_TOL_MM = 0.3  # scans: P99 0.20 mm + 0.1 margin (max 0.40 in 240 items)
SCAN_TOL_ANY_MM = 0.5  # a random page (property test): the largest seen, 0.40 mm, + 0.1
PHOTO_TOL_MM = 1.7  # phone photos tilted 20-32 degrees, any item: P99 1.5 mm + 0.2 (max 1.6 in 96 items;
#                     every item over 1 mm was one the reader sent to review)
PHOTO_OK_TOL_MM = 1.0  # photo items the reader calls ok: P95 0.20, P99 0.52, max 0.90 mm (77 items) + 0.1
BIAS_TOL_MM = 0.1  # |mean signed error| over a batch: measured +0.002 (scans), -0.03 (photos)
PHOTO_MEAN_ABS_TOL_MM = 0.35  # mean |error| on photos: 0.145 measured; 0.69 without perspective


@pytest.fixture(scope="session")
def render() -> Callable[..., RenderedPage]:
    """Cached renderer: the same arguments give the same page without re-rendering."""
    cache: dict[tuple, RenderedPage] = {}

    def _render(form: str, positions: tuple, *, kinds: tuple = ("tick",) * 4, dpi: float = 200,
                layout: str = "official", scale: float = 1.0, seed: int = 0,
                pen: str = "ballpoint_blue") -> RenderedPage:
        key = (form, positions, kinds, dpi, layout, scale, seed, pen)
        if key not in cache:
            marks = []
            for pos, kind in zip(positions, kinds, strict=False):
                if pos is None:
                    marks.append([])
                elif isinstance(pos, tuple):
                    marks.append([MarkSpec(p, kind, pen) for p in pos])
                else:
                    marks.append([MarkSpec(pos, kind, pen)])
            cache[key] = render_form(form, marks, dpi=dpi, layout=layout, scale=scale, seed=seed)
        return cache[key]

    return _render


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


# --- a small scanned stack in a ledger, for the audit, correction and review tests -------

AUDIT_DPI = 200
# file name -> (form, marks per line); one tuple = two marks on the line (a review item)
AUDIT_PAGES = {
    # a review page far from every cutoff (items about 5, total about 18); first in file order
    "a_far.png": ("srs", (50.0, 50.0, (30.0, 70.0), 52.0)),
    # a review page close to a cutoff (item 2 reads 9.2, near the item cutoff 9)
    "b_near.png": ("srs", (83.0, 91.5, (20.0, 60.0), 50.0)),
    # a clean ORS page
    "c_ors.png": ("ors", (35.0, 22.4, 48.9, 40.0)),
}


@dataclass(frozen=True)
class AuditStack:
    folder: Path
    db: Path
    pages: dict[str, RenderedPage]  # file name -> the rendered page (ground truth)
    jsonl: Path


@pytest.fixture(scope="session")
def audit_stack_template(tmp_path_factory: pytest.TempPathFactory) -> AuditStack:
    """The stack scanned once (files, JSONL and ledger); tests get their own copy."""
    from click.testing import CliRunner
    from PIL import Image

    from srs_scan.cli import main
    from srs_scan.synth import scan

    folder = tmp_path_factory.mktemp("audit_stack")
    rendered = {}
    for name, (form, positions) in AUDIT_PAGES.items():
        marks = [[MarkSpec(p) for p in (pos if isinstance(pos, tuple) else (pos,))] for pos in positions]
        page = render_form(form, marks, dpi=AUDIT_DPI, seed=len(rendered))
        rendered[name] = page
        gray = scan(page.image, np.random.default_rng(7), dpi_in=AUDIT_DPI, dpi_out=AUDIT_DPI)
        Image.fromarray(gray).save(folder / name, dpi=(AUDIT_DPI, AUDIT_DPI))
    runner = CliRunner()
    result = runner.invoke(main, ["scan", *(str(folder / n) for n in AUDIT_PAGES), "--jsonl",
                                  str(folder / "out.jsonl"), "--workers", "1", "-q"])
    assert result.exit_code == 0, result.output
    return AuditStack(folder, folder / "srs-scan-ledger.sqlite", rendered, folder / "out.jsonl")


@pytest.fixture
def audit_stack(audit_stack_template: AuditStack, tmp_path: Path) -> AuditStack:
    """A private copy of the scanned stack and its ledger (tests may correct it)."""
    import shutil

    folder = tmp_path / "stack"
    shutil.copytree(audit_stack_template.folder, folder)
    # the ledger knows the files by absolute path: point it at the copies
    import sqlite3

    with sqlite3.connect(folder / "srs-scan-ledger.sqlite") as con:
        con.execute("UPDATE pages SET path = replace(path, ?, ?)", (str(audit_stack_template.folder), str(folder)))
    return AuditStack(folder, folder / "srs-scan-ledger.sqlite", audit_stack_template.pages, folder / "out.jsonl")


# --- a PostgreSQL server for the ledger's tests -----------------------------------------------
# SRS_SCAN_TEST_PG=postgresql://USER@HOST/DB names a server the tests may create databases on
# (.ci/run starts one); without it the PostgreSQL tests skip, except where SRS_SCAN_REQUIRE_PG
# is set (CI): there they fail, so a CI run that lost its server cannot pass by skipping.


def pg_server() -> str:
    """The test server's address, or skip (fail when SRS_SCAN_REQUIRE_PG is set)."""
    url = os.environ.get("SRS_SCAN_TEST_PG", "").strip()
    if not url:
        if os.environ.get("SRS_SCAN_REQUIRE_PG"):
            pytest.fail("SRS_SCAN_TEST_PG is not set, and SRS_SCAN_REQUIRE_PG is: .ci/run starts a PostgreSQL server")
        pytest.skip("no PostgreSQL server for the tests (set SRS_SCAN_TEST_PG=postgresql://USER@HOST/DB)")
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty database of its own on the test server (dropped afterwards): its
    postgresql:// address."""
    import uuid

    import psycopg
    from sqlalchemy.engine.url import make_url

    server = make_url(pg_server())
    name = f"srs_scan_test_{uuid.uuid4().hex[:16]}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as con:
            con.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:  # the server was asked for: its absence is a failure, not a skip
        pytest.fail(f"the test PostgreSQL server (SRS_SCAN_TEST_PG) cannot be used: {str(exc).splitlines()[0]}")
    yield server.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's ledger goes, once on each database: a new SQLite file's path, or a
    new PostgreSQL database's postgresql:// address (see ``pg_url``)."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.sqlite")
    return request.getfixturevalue("pg_url")

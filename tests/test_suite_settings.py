"""The suite's own safety switches: CI must fail rather than skip, and draw the same
hypothesis examples on every run (so that a failure reproduces)."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import settings

CI_SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "run"


def test_ci_requires_ocr_browser_and_postgresql_and_derandomizes():
    text = CI_SCRIPT.read_text(encoding="utf-8")
    for line in ("export SRS_SCAN_REQUIRE_OCR=1", "export SRS_SCAN_REQUIRE_BROWSER=1", 'export CI="${CI:-1}"',
                 "export SRS_SCAN_REQUIRE_PG=1", "export SRS_SCAN_TEST_PG=", "\nstart_postgres\n"):
        assert line in text
    assert " postgresql" in text.split("PKGS=", 1)[1].splitlines()[0]  # Debian's server package is installed


def test_postgresql_tests_fail_rather_than_skip_when_required(monkeypatch):
    import pytest

    from tests.conftest import pg_server

    monkeypatch.delenv("SRS_SCAN_TEST_PG", raising=False)
    monkeypatch.setenv("SRS_SCAN_REQUIRE_PG", "1")
    with pytest.raises(pytest.fail.Exception, match="SRS_SCAN_REQUIRE_PG"):
        pg_server()
    monkeypatch.delenv("SRS_SCAN_REQUIRE_PG")
    with pytest.raises(pytest.skip.Exception):
        pg_server()


def test_hypothesis_is_derandomized_under_ci():
    if os.environ.get("CI") and not os.environ.get("SRS_SCAN_HYPOTHESIS"):
        assert settings.default.derandomize
    assert settings.get_profile("ci").derandomize
    assert settings.get_profile("slow").max_examples > 100

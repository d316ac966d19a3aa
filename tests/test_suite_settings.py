"""The suite's own safety switches: CI must fail rather than skip, and draw the same
hypothesis examples on every run (so that a failure reproduces)."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import settings

CI_SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "run"


def test_ci_requires_ocr_and_browser_and_derandomizes():
    text = CI_SCRIPT.read_text(encoding="utf-8")
    for line in ("export SRS_SCAN_REQUIRE_OCR=1", "export SRS_SCAN_REQUIRE_BROWSER=1", 'export CI="${CI:-1}"'):
        assert line in text


def test_hypothesis_is_derandomized_under_ci():
    if os.environ.get("CI") and not os.environ.get("SRS_SCAN_HYPOTHESIS"):
        assert settings.default.derandomize
    assert settings.get_profile("ci").derandomize
    assert settings.get_profile("slow").max_examples > 100

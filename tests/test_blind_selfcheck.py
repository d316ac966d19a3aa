"""The independent renderer's truth (benchmarks/blind) agrees with its own pixels: line ends, printed
lengths, aligned left ends and mark positions read back from the drawn layers (never from the reader)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.blind import selfcheck  # noqa: E402


def test_truth_matches_the_pixels_drawn():
    out = io.StringIO()
    assert selfcheck.check(n=2, seed=1, out=out), out.getvalue()

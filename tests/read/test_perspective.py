"""The 1-D projective map along a line: exact values on constructed geometry."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from srs_scan.read.perspective import fraction_along, vanishing_point


class _Line:
    def __init__(self, left: np.ndarray, right: np.ndarray) -> None:
        self.origin = np.asarray(left, dtype=float)
        self.d = (np.asarray(right) - left) / np.linalg.norm(np.asarray(right) - left)
        self.left_u = 0.0
        self.right_u = float(np.linalg.norm(np.asarray(right) - left))


def _apply(h: np.ndarray, x: float, y: float) -> np.ndarray:
    p = h @ np.array([x, y, 1.0])
    return p[:2] / p[2]


def test_parallel_lines_have_no_vanishing_point():
    assert vanishing_point([((0, 0), (100, 0)), ((0, 30), (100, 30))]) is None


def test_converging_lines_meet_where_constructed():
    vp = vanishing_point([((0, 0), (100, 10)), ((0, 40), (100, 30))])
    assert vp is not None
    assert vp[0] == pytest.approx(200.0)
    assert vp[1] == pytest.approx(20.0)


def test_linear_without_vanishing_point():
    line = _Line(np.array([10.0, 5.0]), np.array([110.0, 5.0]))
    assert fraction_along(line, 25.0, None) == pytest.approx(0.25)


def test_ends_map_to_zero_and_one_under_perspective():
    line = _Line(np.array([0.0, 0.0]), np.array([100.0, 0.0]))
    assert fraction_along(line, 0.0, (350.0, 0.0)) == pytest.approx(0.0)
    assert fraction_along(line, 100.0, (350.0, 0.0)) == pytest.approx(1.0)


@settings(max_examples=examples(60), deadline=None)
@given(
    tilt=st.floats(-0.004, 0.004),
    tilt2=st.floats(-0.004, 0.004),
    x=st.floats(0.0, 100.0),
)
def test_projective_map_recovers_paper_position(tilt: float, tilt2: float, x: float):
    """Lines y = 0, 30, 60, 90 on paper, seen through a homography: the reading of a
    point at paper x on the first line is x / 100 whatever the perspective."""
    h = np.array([[1.2, 0.1, 40.0], [0.05, 1.1, 20.0], [tilt, tilt2, 1.0]])
    lines = [(_apply(h, 0, y), _apply(h, 100, y)) for y in (0, 30, 60, 90)]
    vp = vanishing_point([(tuple(a), tuple(b)) for a, b in lines])
    line = _Line(*lines[0])
    image_point = _apply(h, x, 0)
    u = float((image_point - line.origin) @ line.d)
    # within 0.01 mm of a 100 mm line (nearly parallel lines are read linearly)
    assert fraction_along(line, u, vp) == pytest.approx(x / 100.0, abs=1e-4)

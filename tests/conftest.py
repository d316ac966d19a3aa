"""Shared fixtures: synthetic pages with known mark positions, and a tmp output folder.

Ground truth always comes from the renderer's geometry (srs_scan.synth), never from
the reader's own output.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from srs_scan.synth import MarkSpec, RenderedPage, render_form

# Tolerances for tests (the benchmark measures the real distribution).
SCAN_TOL_MM = 0.5
PHOTO_TOL_MM = 1.2


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

"""How close the readings are, in batches, with limits set from the measured error.

Measured on the reader as of this commit (errors = reported mm - true mm):

* scans, 200 dpi, random layout, mark kind and skew within 2 degrees (the generator
  below, seeds 0-59, 240 items): mean +0.002 mm, mean |err| 0.024 mm, P95 0.10, P99 0.20,
  max 0.40 mm;
* phone photos, 150 dpi page, tilt 20-32 degrees, any rotation, 2000 x 1500 JPEG
  (seeds 0-23, 96 items): mean -0.03 mm, mean |err| 0.145 mm, P95 0.60, P99 1.5,
  max 1.6 mm; every item off by more than 1 mm was sent to review (a mark split in two);
  the 77 items read as ok: P95 0.20, P99 0.52, max 0.90 mm. With perspective correction
  turned off the same photos (seeds 0-11) give mean |err| 0.69 mm, P95 2.0, max 2.9 mm.

So a bias of a few tenths of a millimetre, or perspective left uncorrected, fails here
even where it stays inside a single item's limit.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import BIAS_TOL_MM, PHOTO_MEAN_ABS_TOL_MM, PHOTO_OK_TOL_MM, PHOTO_TOL_MM, SCAN_TOL_MM

from srs_scan import read_image
from srs_scan.synth import MarkSpec, photo, render_form, scan

KINDS = ("tick", "slant", "x", "dot", "short_tick")
LAYOUTS = ("official", "house", "compact", "letter_fit")


def _page(seed: int, dpi: int, layout: str):
    rng = np.random.default_rng(seed)
    truth = [float(np.round(rng.uniform(1, 99), 1)) for _ in range(4)]
    kinds = [str(k) for k in rng.choice(KINDS, 4)]
    page = render_form(("srs", "ors")[seed % 2], [[MarkSpec(p, k)] for p, k in zip(truth, kinds, strict=True)],
                       dpi=dpi, seed=seed, layout=layout)
    return page, truth, rng


def _scan_case(seed: int):
    page, truth, rng = _page(seed, 200, LAYOUTS[seed % 4])
    img = scan(page.image, rng, dpi_in=200, dpi_out=200, skew_deg=float(rng.uniform(-2, 2)))
    return read_image(img, dpi=200), truth


def _photo_case(seed: int):
    page, truth, rng = _page(seed, 150, "official")
    img = photo(page.image, rng, tilt_deg=float(rng.uniform(20, 32)), rotation_deg=float(rng.uniform(-180, 180)),
                coverage=0.9, out_size=(2000, 1500), blur_sigma=0.8, jpeg_quality=85)
    return read_image(img), truth


def _errors(results, truths, *, only_ok: bool = False) -> np.ndarray:
    errs = []
    for result, truth in zip(results, truths, strict=True):
        assert len(result.items) == 4, result.reasons
        for item, t in zip(result.items, truth, strict=True):
            assert item.mm is not None, item
            if not only_ok or item.status.value == "ok":
                errs.append(item.mm - t)
    return np.array(errs)


@pytest.fixture(scope="module")
def scan_errors() -> np.ndarray:
    return _errors(*zip(*(_scan_case(seed) for seed in range(10)), strict=True))


@pytest.fixture(scope="module")
def photo_cases():
    return list(zip(*(_photo_case(seed) for seed in range(6)), strict=True))


@pytest.fixture(scope="module")
def photo_errors(photo_cases) -> np.ndarray:
    return _errors(*photo_cases)


def test_scans_every_item_within_the_scan_limit(scan_errors):
    assert np.abs(scan_errors).max() <= SCAN_TOL_MM, scan_errors


def test_scans_have_no_bias(scan_errors):
    assert abs(scan_errors.mean()) <= BIAS_TOL_MM, scan_errors.mean()


def test_photos_every_item_within_the_photo_limit(photo_errors):
    assert np.abs(photo_errors).max() <= PHOTO_TOL_MM, photo_errors


def test_photo_items_read_as_ok_within_the_tighter_limit(photo_cases):
    ok = _errors(*photo_cases, only_ok=True)
    assert ok.size >= 16  # most items are ok: the limit is not met by sending all to review
    assert np.abs(ok).max() <= PHOTO_OK_TOL_MM, ok


def test_photos_have_no_bias_and_are_corrected_for_perspective(photo_errors):
    assert abs(photo_errors.mean()) <= BIAS_TOL_MM, photo_errors.mean()
    assert np.abs(photo_errors).mean() <= PHOTO_MEAN_ABS_TOL_MM, np.abs(photo_errors).mean()


@pytest.mark.slow
def test_the_measured_figures_above_still_hold():
    """Re-measure the distributions quoted at the top of this file (about 3 minutes):
    run it before changing a tolerance, and update the figures when the reader improves."""
    scans = _errors(*zip(*(_scan_case(seed) for seed in range(60)), strict=True))
    photo_cases = list(zip(*(_photo_case(seed) for seed in range(24)), strict=True))
    photos = _errors(*photo_cases)
    assert np.percentile(np.abs(scans), 99) <= SCAN_TOL_MM - 0.05
    assert abs(scans.mean()) <= BIAS_TOL_MM and abs(photos.mean()) <= BIAS_TOL_MM
    assert np.percentile(np.abs(photos), 99) <= PHOTO_TOL_MM - 0.1
    photo_ok = _errors(*photo_cases, only_ok=True)
    assert np.abs(photo_ok).max() <= PHOTO_OK_TOL_MM
    assert np.abs(photos).mean() <= PHOTO_MEAN_ABS_TOL_MM

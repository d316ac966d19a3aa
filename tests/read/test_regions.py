"""Connected components: the same labels, boxes, areas and centroids as OpenCV's."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from srs_scan.read.regions import DENSE_FRACTION, components, components_in_box


def _opencv(binary: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    n, labels, stats, cents = cv2.connectedComponentsWithStats(binary, connectivity=8)
    return int(n), labels, stats, cents


def _assert_same(binary: np.ndarray) -> None:
    n, labels, stats, cents = components(binary)
    ref_n, ref_labels, ref_stats, ref_cents = _opencv(binary)
    assert n == ref_n
    np.testing.assert_array_equal(labels, ref_labels)
    assert stats.dtype == ref_stats.dtype and cents.dtype == ref_cents.dtype
    np.testing.assert_array_equal(stats, ref_stats)
    np.testing.assert_array_equal(cents, ref_cents)


def test_two_blobs_on_paper_have_opencvs_boxes_and_centroids():
    img = np.zeros((40, 60), np.uint8)
    img[5:9, 10:30] = 1
    cv2.circle(img, (45, 28), 6, 1, -1)
    _assert_same(img)


def test_diagonal_neighbours_are_one_component():
    img = np.zeros((10, 10), np.uint8)
    img[2, 2] = img[3, 3] = img[4, 4] = 255
    n, _, stats, _ = components(img)
    assert n == 2
    assert stats[1].tolist() == [2, 2, 3, 3, 3]


def test_ink_on_every_border_leaves_the_background_box_inside():
    img = np.zeros((20, 30), np.uint8)
    img[0, :] = img[-1, :] = 1
    img[:, 0] = img[:, -1] = 1
    _assert_same(img)


def test_empty_mask_is_background_only():
    _assert_same(np.zeros((25, 35), np.uint8))


def test_mostly_ink_mask_is_the_same_as_a_sparse_one_would_be():
    rng = np.random.default_rng(3)
    img = (rng.random((50, 70)) < 0.5).astype(np.uint8)
    assert np.count_nonzero(img) > DENSE_FRACTION * img.size
    _assert_same(img)


@pytest.mark.parametrize("seed", range(5))
def test_random_sparse_specks_and_strokes(seed):
    rng = np.random.default_rng(seed)
    img = (rng.random((120, 170)) < 0.03).astype(np.uint8)
    for _ in range(4):
        x0, y0, x1, y1 = (int(v) for v in rng.integers(0, 120, 4))
        cv2.line(img, (x0, y0), (x1 + 40, y1), 1, int(rng.integers(1, 4)))
    assert np.count_nonzero(img) <= DENSE_FRACTION * img.size
    _assert_same(img)


def test_a_strided_view_is_read_as_its_own_pixels():
    img = np.zeros((40, 80), np.uint8)
    img[10:14, 4:60] = 1
    img[30:33, 50:52] = 1
    _assert_same(np.ascontiguousarray(img[:, ::2]))
    n, labels, stats, _ = components(img[:, ::2])
    assert (n, stats[1:].tolist()) == (3, [[2, 10, 28, 4, 112], [25, 30, 1, 3, 3]])


@pytest.mark.parametrize("seed", range(8))
def test_labels_in_the_inks_box_are_opencvs_labels_there(seed):
    """The part holding the ink, from an odd or even row and column, labelled on its own:
    the very labels OpenCV gives the whole mask there (none outside), and its statistics."""
    rng = np.random.default_rng(seed)
    img = np.zeros((97, 131), np.uint8)
    y, x = (int(v) for v in rng.integers(1, 30, 2))
    part = (rng.random((int(rng.integers(20, 60)), int(rng.integers(20, 90)))) < 0.03).astype(np.uint8)
    part = cv2.dilate(part, np.ones((2, 3), np.uint8))
    img[y : y + part.shape[0], x : x + part.shape[1]] = part
    assert np.count_nonzero(img) <= DENSE_FRACTION * img.size
    n, labels, stats, cents, (x0, y0) = components_in_box(img)
    ref_n, ref_labels, ref_stats, ref_cents = _opencv(img)
    assert n == ref_n and x0 % 2 == 0 and y0 % 2 == 0
    np.testing.assert_array_equal(labels, ref_labels[y0 : y0 + labels.shape[0], x0 : x0 + labels.shape[1]])
    assert np.count_nonzero(ref_labels) == np.count_nonzero(labels)
    np.testing.assert_array_equal(stats, ref_stats)
    np.testing.assert_array_equal(cents, ref_cents)


def _sorted_boxes(boxes: list[tuple[int, int, int, int]] | np.ndarray) -> list[tuple[int, ...]]:
    return sorted(tuple(int(v) for v in b) for b in boxes)


@pytest.mark.parametrize("seed", range(6))
def test_component_boxes_are_opencvs_boxes(seed: int) -> None:
    from srs_scan.read.regions import component_boxes

    rng = np.random.default_rng(seed)
    img = (rng.random((120, 170)) < 0.08 + 0.05 * seed).astype(np.uint8)  # specks, clusters, ink on the edges
    cv2.rectangle(img, (20, 20), (90, 80), 1, 2)  # a ring: its hole holds other components
    cv2.circle(img, (55, 50), 8, 1, -1)
    img[0, :] = (seed % 2)  # a row of ink along the edge
    ref = cv2.connectedComponentsWithStats(img, connectivity=8)[2][1:, :4]
    assert _sorted_boxes(component_boxes(img)) == _sorted_boxes(ref)


def test_component_boxes_of_nothing() -> None:
    from srs_scan.read.regions import component_boxes

    assert component_boxes(np.zeros((30, 40), np.uint8)) == []
    assert component_boxes(np.ones((30, 40), np.uint8)) == [(0, 0, 40, 30)]


def test_outer_borders_give_a_pixel_of_each_component() -> None:
    """The pixel given with each box is the component's: a flood fill from it clears that
    component and no other (labels as OpenCV gives them)."""
    from srs_scan.read.regions import outer_borders

    rng = np.random.default_rng(2)
    img = (rng.random((90, 130)) < 0.12).astype(np.uint8)
    cv2.rectangle(img, (10, 10), (80, 70), 1, 1)
    img[40, 40] = 1  # a speck inside the ring's hole
    n, labels, stats, _ = cv2.connectedComponentsWithStats(img, connectivity=8)
    pieces = outer_borders(img)
    assert len(pieces) == n - 1
    for box, (x, y) in pieces:
        k = labels[y, x]
        assert k > 0 and tuple(stats[k, :4]) == box
        cleared = img.copy()
        cv2.floodFill(cleared, None, (x, y), 0, flags=8)
        np.testing.assert_array_equal(cleared, np.where(labels == k, 0, img))

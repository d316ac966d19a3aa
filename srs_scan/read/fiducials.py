"""Find srs-scan's own forms by their corner markers and map the page onto the layout.

Stage 1b of the pipeline, before the line finder. ArUco markers are searched for on the
working-resolution image. Each marker id belongs to one printed layout and one corner,
so even a single marker says which form this is and which way up the page is. Three or
four markers of one layout give a homography from the image to the layout's frame
(millimetres), which says where every scale line, the QR code and each line end must be.

A page whose markers are covered or cut off still reads: the pipeline falls back to the
line finder, and the markers it did see still give the form type and orientation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from ..forms.layouts import Marker, PrintedLayout, all_layouts
from .ink import shrink_scale

MIN_MARKERS_FOR_FRAME = 3
MAX_RESIDUAL_MM = 0.5  # RMS misfit of the marker corners; more means the markers disagree
MARKER_AGREE_MM = 6.0  # a marker seen this close to where the found lines put it belongs to them
MIN_MARKER_PX = 12  # smaller markers (on the working image) cannot be decoded reliably


@dataclass(frozen=True)
class MarkerHit:
    """One detected marker: its layout and place there, and its corners in full-resolution
    image pixels (ArUco order: top-left, top-right, bottom-right, bottom-left as printed)."""

    layout: PrintedLayout
    marker: Marker
    corners: np.ndarray  # (4, 2) float64

    @property
    def along(self) -> np.ndarray:
        """Unit vector along the printed page's x axis (left to right), in the image."""
        v = (self.corners[1] - self.corners[0]) + (self.corners[2] - self.corners[3])
        return v / max(float(np.linalg.norm(v)), 1e-9)


@dataclass(frozen=True)
class FrameFit:
    """The page mapped onto a printed layout's frame.

    ``to_frame`` maps image px -> frame mm (3x3 homography), ``to_image`` the reverse.
    ``residual_mm`` is the RMS misfit of the marker corners used.
    """

    layout: PrintedLayout
    to_frame: np.ndarray
    to_image: np.ndarray
    marker_ids: tuple[int, ...]
    residual_mm: float

    def image_points(self, pts_mm: np.ndarray) -> np.ndarray:
        pts = np.asarray(pts_mm, np.float64).reshape(-1, 1, 2)
        return cv2.perspectiveTransform(pts, self.to_image).reshape(-1, 2)

    def frame_points(self, pts_px: np.ndarray) -> np.ndarray:
        pts = np.asarray(pts_px, np.float64).reshape(-1, 1, 2)
        return cv2.perspectiveTransform(pts, self.to_frame).reshape(-1, 2)

    def scale_ends(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each scale line's (left, right) end in image px, top line first."""
        out = []
        for left, right in self.layout.scale_ends_mm:
            a, b = self.image_points(np.array([left, right]))
            out.append((a, b))
        return out

    def print_scale(self, dpi: float) -> float:
        """Printed size / layout size, from the distances between the markers' outer
        corners (the longest baselines on the page), for an image of known resolution."""
        hits = {m.id: m for m in self.layout.markers if m.id in self.marker_ids}
        pts_mm = np.array([c for m in hits.values() for c in m.corners_mm])
        pts_px = self.image_points(pts_mm)
        # pairs of corners from different markers
        k = len(pts_mm)
        ratios, weights = [], []
        for i in range(k):
            for j in range(i + 1, k):
                if i // 4 == j // 4:
                    continue
                d_mm = float(np.linalg.norm(pts_mm[i] - pts_mm[j]))
                d_px = float(np.linalg.norm(pts_px[i] - pts_px[j]))
                ratios.append(d_px / (dpi / 25.4) / d_mm)
                weights.append(d_mm)
        return float(np.average(ratios, weights=weights))


@lru_cache(maxsize=8)
def _detector(dictionary: str) -> cv2.aruco.ArucoDetector:
    params = cv2.aruco.DetectorParameters()
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    # one threshold window (the default tries 3, 13 and 23 px): our markers are several mm
    # wide on the working image, and the largest window alone finds them, in a third of the time
    params.adaptiveThreshWinSizeMin = 23
    params.adaptiveThreshWinSizeMax = 23
    return cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, dictionary)), params)


@dataclass(frozen=True)
class MarkerScan:
    """Our markers found on a page, and whether some id was seen twice (then left out):
    two copies of a form in one picture."""

    hits: list[MarkerHit]
    repeated: bool = False

    @property
    def layouts(self) -> set[str]:
        return {h.layout.id for h in self.hits}


def detect_markers(work: np.ndarray, full_shape: tuple[int, ...]) -> MarkerScan:
    """Our markers on the working image ``work`` (a reduced copy of an image of
    ``full_shape``), with corners in full-resolution px. Ids no layout uses, and ids seen
    twice (two forms in one picture), are left out."""
    fx, fy = shrink_scale(full_shape, work.shape)
    layouts = all_layouts()
    by_dict: dict[str, dict[int, tuple[PrintedLayout, Marker]]] = {}
    for lay in layouts.values():
        for m in lay.markers:
            by_dict.setdefault(lay.marker_dictionary, {})[m.id] = (lay, m)
    hits: list[MarkerHit] = []
    repeated = False
    for name, known in by_dict.items():
        corners, ids, _ = _detector(name).detectMarkers(work)
        if ids is None:
            continue
        flat = [int(i) for i in np.asarray(ids).ravel()]
        for c, i in zip(corners, flat, strict=True):
            if i not in known:
                continue
            if flat.count(i) > 1:
                repeated = True
                continue
            pts = np.asarray(c, np.float64).reshape(4, 2)
            if float(np.linalg.norm(pts[1] - pts[0])) < MIN_MARKER_PX:
                continue
            lay, marker = known[i]
            # ArUco corners sit on the outer edge of the border: pixel-centre coordinates
            # scale about the pixel centre, hence the half-pixel terms
            full = (pts + 0.5) / np.array([fx, fy]) - 0.5
            hits.append(MarkerHit(lay, marker, full))
    return MarkerScan(hits, repeated)


def _homography(src: np.ndarray, dst: np.ndarray) -> np.ndarray | None:
    """Least-squares image px -> frame mm homography, or None when degenerate."""
    to_frame, _ = cv2.findHomography(src, dst, 0)
    if to_frame is None or not np.isfinite(to_frame).all() or abs(np.linalg.det(to_frame)) < 1e-12:
        return None
    return np.asarray(to_frame, np.float64)


def fit_frame(hits: list[MarkerHit]) -> FrameFit | None:
    """A homography from three or more markers of one layout, or None."""
    if not hits:
        return None
    counts: dict[str, int] = {}
    for h in hits:
        counts[h.layout.id] = counts.get(h.layout.id, 0) + 1
    best = max(counts, key=lambda k: counts[k])
    mine = [h for h in hits if h.layout.id == best]
    if len(mine) < MIN_MARKERS_FOR_FRAME:
        return None
    src = np.concatenate([h.corners for h in mine])
    dst = np.array([c for h in mine for c in h.marker.corners_mm], np.float64)
    to_frame = _homography(src, dst)
    if to_frame is None:
        return None
    fitted = cv2.perspectiveTransform(src.reshape(-1, 1, 2), to_frame).reshape(-1, 2)
    residual = float(np.sqrt(np.mean(np.sum((fitted - dst) ** 2, axis=1))))
    if residual > MAX_RESIDUAL_MM:
        return None
    return FrameFit(mine[0].layout, to_frame, np.linalg.inv(to_frame), tuple(h.marker.id for h in mine), residual)


def fit_from_lines(
    layout: PrintedLayout, ends: list[tuple[np.ndarray, np.ndarray]], hits: list[MarkerHit]
) -> FrameFit | None:
    """A frame from the found scale lines (top first, left to right), kept only when every
    marker seen stands where it then must: markers beside the form (a strip of another
    sheet in the picture, a form turned the other way) do not belong to these lines."""
    src = np.array([p for pair in ends for p in pair], np.float64)
    dst = np.array([p for pair in layout.scale_ends_mm for p in pair], np.float64)
    to_frame = _homography(src, dst)
    if to_frame is None:
        return None
    for h in hits:
        got = cv2.perspectiveTransform(h.corners.reshape(-1, 1, 2), to_frame).reshape(-1, 2)
        if float(np.abs(got - np.array(h.marker.corners_mm)).max()) > MARKER_AGREE_MM:
            return None
    return FrameFit(layout, to_frame, np.linalg.inv(to_frame), tuple(h.marker.id for h in hits), float("nan"))

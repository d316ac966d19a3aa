"""Mutation testing by hand: small deliberate breakages that the tests must catch.

Each mutant is one exact text replacement in a file under ``srs_scan/``: the kind of slip
(a check dropped, a sign flipped, a small bias) that would let a wrong number reach a
clinician without anybody being asked to look. For each mutant, the repository is
copied to a temporary folder (the working tree is never touched), the replacement is
applied to the copy, and the test files that should notice are run on the copy. A
mutant is *killed* when at least one of them fails, *survived* when they all pass.

    python benchmarks/mutations.py              # every mutant
    python benchmarks/mutations.py -k bias      # mutants whose name contains "bias"
    python benchmarks/mutations.py --list       # names and files only
    python benchmarks/mutations.py -j 2         # two mutants at a time
    python benchmarks/mutations.py -k bias --tests tests/read/test_pipeline.py  # other tests

Exit status 0 when every mutant is killed, 1 when any survives, 2 when a mutant no
longer applies (its old text is not in the file exactly once: update the list).
Add a mutant whenever a review finds a breakage the tests miss (see CONTRIBUTING.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # relative to the repository root
    old: str  # exact text, found exactly once in the file
    new: str
    tests: tuple[str, ...]  # test files (or node ids) that must notice


PIPE = "srs_scan/read/pipeline.py"
T_SAFE = "tests/read/test_safeguards.py"
T_ORIENT = "tests/read/test_orientation_exact.py"
T_ACC = "tests/read/test_accuracy.py"
T_PIPE = "tests/read/test_pipeline.py"
T_DRAW = "tests/audit/test_draw.py"
T_PIX = "tests/audit/test_draw_pixels.py"
T_TEXT = "tests/read/test_textread.py"
T_CUSTOM = "tests/read/test_custom_forms.py"

MUTANTS: tuple[Mutant, ...] = (
    # --- review safeguards ------------------------------------------------------------------
    Mutant("no review when orientation cues disagree", PIPE,
           "    if not orientation.confident or orientation.reason:\n",
           "    if not orientation.confident:\n",
           (T_SAFE,)),
    Mutant("no review for any orientation doubt", PIPE,
           '        reasons.append(orientation.reason or "page orientation uncertain")\n',
           "        pass\n",
           (T_SAFE,)),
    Mutant("no review for a clean short arc crossing the line (a C)", "srs_scan/read/measure.py",
           "        elif _arcs_round(circle) or _curls(",
           "        elif _curls(",
           (T_SAFE,)),
    Mutant("no review for a C touching the line with one end", "srs_scan/read/measure.py",
           "    elif mark is not None and _arcs_round(circle):",
           "    elif False:",
           (T_SAFE,)),
    Mutant("a half-circle arc's fit test tightened to 10 % (a C cut off by the mark zone ok)",
           "srs_scan/read/measure.py",
           "(arc >= ARC_HALF_DEG and off <= ARC_HALF_FIT * r)",
           "(arc >= ARC_HALF_DEG and off <= 0.1 * r)",
           (T_SAFE,)),
    Mutant("a dot by an end stroke read whole though more ink lies between it and the stroke",
           "srs_scan/read/measure.py",
           "    if not low[end:].all():\n        return None\n",
           "",
           (T_SAFE,)),
    Mutant("a dot cut off by a bare end's zone read ok (the bare end taken as a stroke)", "srs_scan/read/measure.py",
           "    if strip.tick_half <= 0 or (a == 0 and b == len(rel)):\n        return None\n",
           "    if a == 0 and b == len(rel):\n        return None\n",
           (T_SAFE,)),
    Mutant("a C over printed words needs 150 degrees traced thin again (no clean-arc rule)", "srs_scan/read/measure.py",
           "        if 10.0 * int(thin.sum()) < ARC_SHORT_DEG or int(own.sum()) < 12:\n",
           "        if True:\n",
           (T_SAFE,)),
    Mutant("a C over printed words judged on the refitted circle only", "srs_scan/read/measure.py",
           "for cx, cy, cr in [*refit, (xc, yc, r)])",
           "for cx, cy, cr in refit)",
           (T_SAFE,)),
    Mutant("no review for a mark past an end", PIPE,
           'reasons.append("the mark is past the end of the line")',
           "pass",
           (T_SAFE,)),
    Mutant("no review for a scribble (unusually wide mark)", PIPE,
           'reasons.append("the mark is unusually wide (a scribble or a crossed-out mark?)")',
           "pass",
           (T_SAFE,)),
    Mutant("wide mark over an end snapped to ok", PIPE,
           "        if doubt_mm <= COVER_SNAP_MM:\n",
           "        if True:\n",
           (T_SAFE,)),
    Mutant("thickened line turned into missing", PIPE,
           "        bump = find_thickening(strip, min_excess=min_excess)\n",
           "        bump = None\n",
           (T_SAFE,)),
    Mutant("two marks on a line not sent to review", PIPE,
           '        reasons.append(f"{len(marks)} marks on the line")\n',
           "        pass\n",
           (T_PIPE + "::test_two_marks_on_a_line_go_to_review",)),
    Mutant("ink near the line that does not touch it read as ok", PIPE,
           '            ItemStatus.REVIEW,\n            ("ink near the line does not touch it: is it a mark?",),\n',
           '            ItemStatus.OK,\n            ("ink near the line does not touch it: is it a mark?",),\n',
           (T_PIPE + "::test_mark_floating_off_the_line_is_never_ok",)),
    Mutant("blank line read as 0 instead of missing", PIPE,
           "        return MarkReading(None, ItemStatus.MISSING)\n",
           "        return MarkReading(0.0, ItemStatus.OK)\n",
           (T_SAFE,)),
    Mutant("a line with a misplaced end left ok", PIPE,
           "    for i in sorted({line for line, _ in misplaced}):\n",
           "    for i in []:\n",
           (T_SAFE,)),
    Mutant("items left ok when which way up is in doubt", PIPE,
           "    if located.upright_doubt:\n",
           "    if False:\n",
           (T_SAFE,)),
    Mutant("a stroke through every line read as a mark", PIPE,
           "    streaks = through_strokes(good) if len(good) > 1 else []\n",
           "    streaks = []\n",
           (T_SAFE,)),
    Mutant("a second dot beside a mark ignored", PIPE,
           "        if second is not None and min_excess < THICK_EXCESS:  # (any size: a small dot counts)\n",
           "        if False:\n",
           (T_SAFE,)),
    Mutant("a faint mark reported blank", PIPE,
           "    for i, (marks, strays) in (faint_marks(good, blank) if blank else {}).items():\n",
           "    for i, (marks, strays) in {}.items():\n",
           (T_SAFE,)),
    # --- which way up ----------------------------------------------------------------------
    Mutant("first upright step (layout's first guess) removed", PIPE,
           "    if view.layout_score() < -orient.LAYOUT_CLEAR:  # first guess: title above the scales\n",
           "    if False:  # first guess: title above the scales\n",
           (T_ORIENT,)),
    Mutant("second upright step (orientation decision) removed", PIPE,
           "    if orientation.flip:\n        direction = -direction\n",
           "    if False:\n        direction = -direction\n",
           (T_ORIENT,)),
    Mutant("90 and 270 degree rotations swapped", PIPE,
           "rotation=int(round(angle / 90.0)) * 90 % 360,",
           "rotation=-int(round(angle / 90.0)) * 90 % 360,",
           (T_ORIENT,)),
    # --- accuracy --------------------------------------------------------------------------
    Mutant("+0.3 mm bias on every reading", PIPE,
           "        return perspective.fraction_along(strip, u, vanishing) * 100.0\n",
           "        return perspective.fraction_along(strip, u, vanishing) * 100.0 + 0.3\n",
           (T_ACC,)),
    Mutant("perspective correction turned off", PIPE,
           "    vanishing = perspective.vanishing_point(end_points)\n",
           "    vanishing = None\n",
           (T_ACC,)),
    # --- options ---------------------------------------------------------------------------
    Mutant("reader ignores --item-threshold", PIPE,
           "ScoringOptions(opts.item_threshold)",
           "ScoringOptions(None)",
           (T_SAFE,)),
    Mutant("CLI drops --item-threshold", "srs_scan/cli.py",
           "options=ReadOptions(item_threshold=item_threshold, form=form_id, templates=templates)",
           "options=ReadOptions(form=form_id, templates=templates)",
           ("tests/ledger/test_batch.py::test_a_rerun_with_other_options_reads_again_instead_of_reusing",)),
    # --- a clinic's own forms (--template): never read on lines that are not the form's -------
    Mutant("a line continuing the stack not sent to review", PIPE,
           "    reasons: list[str] = [more] if more else []\n",
           "    reasons: list[str] = []\n",
           (f"{T_CUSTOM}::test_more_lines_than_the_form_declares_go_to_review",)),
    Mutant("a declared form read on another form's lines", PIPE,
           "    if declared.lines != len(located.ends):\n",
           "    if False:\n",
           (f"{T_CUSTOM}::test_a_declared_form_is_never_read_on_another_forms_lines",)),
    Mutant("words naming a form of other lines ignored", PIPE,
           "    if form is None and text.elsewhere is not None:\n",
           "    if False:\n",
           (f"{T_CUSTOM}::test_an_srs_with_a_line_lost_is_not_read_as_a_three_line_form",)),
    Mutant("two unnamed lines read as a form", PIPE,
           "    if n_lines <= stacks.FEW_LINES and located.form is None:\n",
           "    if False:\n",
           (f"{T_CUSTOM}::test_two_unnamed_lines_are_no_form",)),
    Mutant("two lines whose ends are not level read as ok", PIPE,
           "        if max(abs(at[0][0] - at[1][0]), abs(at[0][1] - at[1][1])) <= END_SIBLING_MM:\n",
           "        if True:\n",
           (f"{T_CUSTOM}::test_a_two_line_form_on_a_scan_needs_level_ends",)),
    Mutant("a stack padded with an underline taken for a larger form", "srs_scan/read/stacks.py",
           "    kept = [f for f in found if not any(\n",
           "    kept = [f for f in found if False and not any(\n",
           (f"{T_CUSTOM}::test_shipped_forms_read_the_same_with_templates_loaded",)),
    Mutant("a clinic form's correction past its lines accepted", "srs_scan/ledger/corrections.py",
           "    if not 1 <= item <= lines:\n",
           "    if not 1 <= item <= 4:\n",
           ("tests/ledger/test_corrections.py::test_the_item_range_is_the_forms_number_of_lines",
            "tests/cli/test_templates.py::test_correct_an_item_of_a_three_line_form_and_not_a_fourth")),
    # --- the audit picture -----------------------------------------------------------------
    Mutant("audit ruler drawn 1.5 mm off along the line", "srs_scan/audit/draw.py",
           "        _seg(canvas, at(mm, base), at(mm, base + length), INK_RULER, 1)\n",
           "        _seg(canvas, at(mm + 1.5, base), at(mm + 1.5, base + length), INK_RULER, 1)\n",
           (T_PIX,)),
    Mutant("audit pointer drawn 0.4 mm off", "srs_scan/audit/draw.py",
           "        _pointers(canvas, at, item.mm, ppm, down, ink, 2)\n",
           "        _pointers(canvas, at, item.mm + 0.4, ppm, down, ink, 2)\n",
           (T_PIX,)),
    Mutant("scan shifted 2 mm under the overlay", "srs_scan/audit/draw.py",
           "    original = _warp(gray, to_view, size)\n",
           "    original = _warp(gray, to_view + np.array([[0.0, 0.0, 2.0 * VIEW_PPM], [0.0, 0.0, 0.0]]), size)\n",
           (T_PIX,)),
    Mutant("thumbnail of a quarter-turned page shown upside down", "srs_scan/audit/draw.py",
           "np.rot90(small, (rotation // 90) % 4)",
           "np.rot90(small, -(rotation // 90) % 4)",
           (T_PIX,)),
    # --- OCR -------------------------------------------------------------------------------
    Mutant("OCR engine broken (never available)", "srs_scan/read/textread.py",
           "def available() -> bool:\n",
           "def available() -> bool:\n    return False\n",
           (T_TEXT,)),
    # --- exports for other systems ------------------------------------------------------------
    Mutant("a page still in review exported as if checked", "srs_scan/exports/sessions.py",
           "    if not include_unreviewed:\n",
           "    if False:\n",
           ("tests/exports/test_openfit.py", "tests/exports/test_fhir.py")),
    Mutant("a corrected form sent to FHIR as completed", "srs_scan/exports/fhir.py",
           '"status": "amended" if score.corrected else "completed",',
           '"status": "completed",',
           ("tests/exports/test_fhir.py",)),
    Mutant("an OpenFIT measure with a missing item sent as a partial row", "srs_scan/exports/openfit.py",
           "            elif len(score.items) != 4 or any(v is None for v in score.items):",
           "            elif False:",
           ("tests/exports/test_openfit.py",)),
)


_IGNORE = shutil.ignore_patterns(".git", ".venv", "venv", "__pycache__", "*.egg-info", ".pytest_cache",
                                 ".hypothesis", ".mypy_cache", ".ruff_cache", "out", "build", "dist")


@contextmanager
def mutated_copy(mutant: Mutant | None) -> Iterator[Path]:
    """A temporary copy of the repository with ``mutant`` applied (None: unchanged)."""
    with tempfile.TemporaryDirectory(prefix="srs-mutant-") as tmp:
        root = Path(tmp) / "repo"
        shutil.copytree(ROOT, root, ignore=_IGNORE)
        if mutant is not None:
            path = root / mutant.file
            text = path.read_text(encoding="utf-8")
            if text.count(mutant.old) != 1:
                raise LookupError(f"{mutant.name}: old text found {text.count(mutant.old)} times in {mutant.file}")
            path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")
        yield root


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    # the copy's package comes first on the path, ahead of an editable install of the original
    env["PYTHONPATH"] = str(root) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("SRS_SCAN_REQUIRE_OCR", "1")
    env["SRS_SCAN_MUTANT_ROOT"] = str(root)
    return env


def run_tests(root: Path, tests: tuple[str, ...], *, timeout: float) -> tuple[bool, str]:
    """Run ``tests`` on the copy; True when they all pass. Returns (passed, last lines)."""
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header", *tests]
    try:
        proc = subprocess.run(cmd, cwd=root, env=_env(root), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, "timed out"
    tail = [ln for ln in proc.stdout.strip().splitlines() if ln.strip()][-1:] or [proc.stderr.strip()[-200:]]
    return proc.returncode == 0, tail[0]


def check_copy_is_used(root: Path) -> None:
    """The subprocess must import the mutated copy, not the installed original."""
    out = subprocess.run([sys.executable, "-c", "import srs_scan; print(srs_scan.__file__)"], cwd=root,
                         env=_env(root), capture_output=True, text=True, check=True).stdout.strip()
    if not Path(out).resolve().is_relative_to(root.resolve()):
        raise RuntimeError(f"the tests would import {out}, not the copy in {root}")


def _one(mutant: Mutant, timeout: float) -> tuple[Mutant, str, float, str]:
    t0 = time.perf_counter()
    try:
        with mutated_copy(mutant) as root:
            check_copy_is_used(root)
            passed, tail = run_tests(root, mutant.tests, timeout=timeout)
    except LookupError as exc:
        return mutant, "stale", time.perf_counter() - t0, str(exc)
    return mutant, "survived" if passed else "killed", time.perf_counter() - t0, tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="only mutants whose name contains this")
    parser.add_argument("-j", type=int, default=1, help="mutants run at a time (default 1)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per mutant (default 900)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--tests", nargs="+", default=None,
                        help="run these test files for every mutant instead of each mutant's own")
    parser.add_argument("--baseline", action="store_true",
                        help="first run every mutant's tests on the unchanged copy (they must pass)")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if args.k.lower() in m.name.lower()]
    if args.tests:
        chosen = [replace(m, tests=tuple(args.tests)) for m in chosen]
    if args.list:
        for m in chosen:
            print(f"{m.name:<52} {m.file:<28} {' '.join(m.tests)}")
        return 0
    if args.baseline:
        tests = tuple(sorted({t for m in chosen for t in m.tests}))
        with mutated_copy(None) as root:
            check_copy_is_used(root)
            passed, tail = run_tests(root, tests, timeout=args.timeout)
        print(f"baseline (no mutation): {'pass' if passed else 'FAIL'}  {tail}")
        if not passed:
            return 1
    print(f"{'mutant':<52} {'result':<9} {'time':>6}  detail")
    results = []
    with ThreadPoolExecutor(max_workers=max(1, args.j)) as pool:
        for mutant, verdict, secs, tail in pool.map(lambda m: _one(m, args.timeout), chosen):
            results.append(verdict)
            print(f"{mutant.name:<52} {verdict:<9} {secs:5.0f}s  {tail[:90]}", flush=True)
    killed, survived, stale = (results.count(v) for v in ("killed", "survived", "stale"))
    print(f"\n{killed} killed, {survived} survived, {stale} stale, of {len(results)}")
    return 2 if stale else 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())

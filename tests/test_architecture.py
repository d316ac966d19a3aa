"""The package layout's rules: which subpackage may import which, and a small top level."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "srs_scan"

# subpackage -> the srs_scan subpackages and modules it must never import
FORBIDDEN = {
    "read": {"ledger", "audit", "exports", "jobs", "cli"},
    "forms": {"read", "ledger", "audit", "exports", "jobs", "cli"},
    "exports": {"read", "audit", "ledger", "jobs", "cli"},  # sessions come through clinic
    "ledger": {"audit", "jobs", "cli"},
    "audit": {"jobs", "cli"},
    "clinic": {"read", "audit", "exports", "jobs", "cli"},
    "jobs": {"cli"},
}


def imported_modules(path: Path) -> set[str]:
    """Every srs_scan module ``path`` imports, as dotted names (relative imports resolved)."""
    package = ["srs_scan", *path.relative_to(PACKAGE).parent.parts]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("srs_scan"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("srs_scan"):
                found.add(target)
                found.update(f"{target}.{a.name}" for a in node.names)
    return found


def test_the_resolver_sees_relative_imports() -> None:
    # a known import of the runner, so the rule below cannot pass by seeing nothing
    assert "srs_scan.forms.score" in imported_modules(PACKAGE / "read" / "pipeline.py")
    assert "srs_scan.read.decode" in imported_modules(PACKAGE / "ledger" / "batch.py")


@pytest.mark.parametrize("sub", sorted(FORBIDDEN))
def test_imports_run_one_way(sub: str) -> None:
    bad = []
    for path in sorted((PACKAGE / sub).rglob("*.py")):
        for name in imported_modules(path):
            parts = name.split(".")
            if len(parts) > 1 and parts[1] in FORBIDDEN[sub]:
                bad.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not bad, "\n".join(bad)


def test_top_level_is_small() -> None:
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= 8, modules
    for sub in ("read", "forms", "ledger", "audit", "exports", "jobs", "clinic"):
        doc = ast.get_docstring(ast.parse((PACKAGE / sub / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "import" in doc, f"srs_scan/{sub}/__init__.py must say what it may import"

"""The import contract: layers with one-way imports (README, "Architecture"), checked over the source with `ast`."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from core.settings import REPO_ROOT

# Each package and the project packages it may import. Anything not listed is a back-import or a
# sideways import between the two process adapters (bot, actions), and fails the build.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "storage": {"core"},
    "knowledge_base": {"core"},
    "crisis": {"core", "knowledge_base"},
    "retrieval": {"core", "storage", "knowledge_base"},
    "handoff": {"core", "storage"},
    "privacy": {"core", "storage", "handoff"},
    "insights": {"core", "storage", "privacy", "knowledge_base", "retrieval", "handoff", "crisis"},
    "actions": {"core", "storage", "privacy", "knowledge_base", "retrieval", "handoff", "crisis", "insights"},
    "bot": {"core", "storage", "privacy", "knowledge_base", "retrieval", "handoff", "crisis", "insights"},
    "safar": {"core", "storage", "privacy", "knowledge_base", "retrieval", "handoff", "crisis", "insights", "actions",
              "bot"},
}
PACKAGES = set(ALLOWED)


def imports_of(root: Path) -> dict[str, set[tuple[str, str]]]:
    """Per project package: (module file, imported project package) for every import in its source."""
    found: dict[str, set[tuple[str, str]]] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    if top in PACKAGES and top != package:
                        found.setdefault(package, set()).add((str(path.relative_to(root)), top))
    return found


def violations(root: Path) -> list[str]:
    """Every import that breaks the contract, as `file imports package`."""
    return sorted(f"{where} imports {target} (allowed for {package}: {sorted(ALLOWED[package]) or 'nothing'})"
                  for package, pairs in imports_of(root).items() for where, target in pairs
                  if target not in ALLOWED[package])


def test_every_import_points_down() -> None:
    assert violations(REPO_ROOT) == []


def test_the_contract_has_no_cycle() -> None:
    # A layer order exists: every allowed import goes to a package placed earlier.
    order: list[str] = []
    remaining = dict(ALLOWED)
    while remaining:
        ready = sorted(p for p, deps in remaining.items() if deps <= set(order))
        assert ready, f"cycle among {sorted(remaining)}"
        order += ready
        for p in ready:
            del remaining[p]


def test_a_back_import_is_caught(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(REPO_ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "*.yml", "*.json"))
    (tmp_path / "storage" / "sneaky.py").write_text("from safar.cli import main\n", encoding="utf-8")
    (tmp_path / "bot" / "sideways.py").write_text("import actions.actions\n", encoding="utf-8")
    found = violations(tmp_path)
    assert any(v.startswith("storage/sneaky.py imports safar") for v in found), found
    assert any(v.startswith("bot/sideways.py imports actions") for v in found), found

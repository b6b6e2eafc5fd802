"""Dependencies point one way: masklam -> learner, actors, segserver -> protos (DESIGN.md section 2); `common`
(plumbing such as atomic writes) may be used by all and uses none."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("masklam", "actors", "learner", "segserver", "protos", "common")
ALLOWED = {
    "masklam": set(PACKAGES),
    "learner": {"learner", "actors", "protos", "common"},  # actors only for its data formats (chunks, shards)
    "actors": {"actors", "protos", "common"},
    "segserver": {"segserver", "protos", "common"},
    "protos": {"protos"},
    "common": {"common"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(PACKAGES)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    mods = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            mods.add(node.module)
    return mods


def test_learner_uses_only_the_actors_data_formats():
    allowed = {"actors.chunks", "actors.shards"}
    for path in (ROOT / "learner").rglob("*.py"):
        used = {m for m in imported_modules(path) if m.split(".")[0] == "actors"}
        assert used <= allowed, f"{path.relative_to(ROOT)} imports {sorted(used - allowed)} from actors/"


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_one_way(package):
    for path in (ROOT / package).rglob("*.py"):
        bad = imported_packages(path) - ALLOWED[package]
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}, which {package}/ must not depend on"


def test_the_front_door_holds_no_learning_code():
    """masklam/ wires and orchestrates; anything that needs torch lives in learner/."""
    for path in (ROOT / "masklam").rglob("*.py"):
        used = {m.split(".")[0] for m in imported_modules(path)}
        assert "torch" not in used, f"{path.relative_to(ROOT)} imports torch: move that code to learner/"


def test_python_files_stay_small():
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            n = len(path.read_text().splitlines())
            assert n <= 400, f"{path.relative_to(ROOT)} has {n} lines; split it by responsibility"

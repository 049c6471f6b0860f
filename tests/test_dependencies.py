"""Every package the product imports is one it declares, so a fresh install has it."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs.extend(extra)
    return {_normal(re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0]) for spec in specs}


def _imported_top_levels() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], path)
    return found


def test_every_third_party_import_is_a_declared_dependency() -> None:
    distributions = importlib.metadata.packages_distributions()
    declared = _declared()
    undeclared = []
    for top, path in _imported_top_levels().items():
        if top == "bot" or top in sys.stdlib_module_names:
            continue
        owners = {_normal(d) for d in distributions.get(top, [top])}
        if not owners & declared:
            undeclared.append(f"{top} (in {path.relative_to(ROOT)}, from {', '.join(sorted(owners))})")
    assert not undeclared, "imported but not declared in pyproject.toml: " + "; ".join(undeclared)

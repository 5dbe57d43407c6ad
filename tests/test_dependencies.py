"""What the code imports is what pyproject.toml declares, and no more than it needs at run time.

A library that arrives only through another one (fastapi through Prefect, numpy through
pandas) can leave with that library's next release; a test-only library declared for run time
weighs on every installation.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_PACKAGES = ("screening", "flows", "faces")
FIRST_PARTY = {*RUNTIME_PACKAGES, "tests", "bench", "eval", "scripts"}
TYPE_CHECKER_ONLY = {"_typeshed"}  # the type checker's own stubs, imported under TYPE_CHECKING


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    specs = project["project"]["dependencies"]
    names = (re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0] for spec in specs)
    return {name.lower().replace("_", "-") for name in names}


def _imported(folders: tuple[str, ...]) -> set[str]:
    """Top-level names of the third-party modules imported anywhere in `folders`."""
    names: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    names.add(node.module.split(".")[0])
    ours_or_standard = FIRST_PARTY | TYPE_CHECKER_ONLY | set(sys.stdlib_module_names)
    return names - ours_or_standard


def _distributions(modules: set[str]) -> set[str]:
    found = packages_distributions()
    return {
        dist.lower().replace("_", "-") for module in modules for dist in found.get(module, [module])
    }


def test_every_library_the_code_imports_is_declared() -> None:
    missing = _distributions(_imported(RUNTIME_PACKAGES)) - _declared()
    assert not missing, f"imported but not in [project] dependencies: {sorted(missing)}"


def test_runtime_dependencies_are_used_at_run_time() -> None:
    # pyarrow is pandas' Parquet engine (staging) and olefile's import is in sniff; both count.
    used = _distributions(_imported(RUNTIME_PACKAGES)) | {"pyarrow"}
    unused = _declared() - used
    assert not unused, f"declared for run time but imported only elsewhere: {sorted(unused)}"

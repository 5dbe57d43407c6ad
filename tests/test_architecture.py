"""The drawing of imports (docs/ARCHITECTURE.md): no cycle, and one direction only.

faces (command line, upload page, report) -> flows (Prefect) -> screening's stages ->
screening's base (config, errors, rules, reference, textfold). Read from the source with
`ast`, function-level imports included, so a lazy import cannot hide a wrong direction.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("faces", "flows", "screening")
BASE = {"screening.config", "screening.errors", "screening.rules", "screening.reference",
        "screening.textfold"}  # fmt: skip


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The first-party modules `name` imports, anywhere in its body."""
    found: set[str] = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from screening import config` imports the module screening.config
            targets = [f"{module}.{alias.name}" for alias in node.names] + [module]
            targets = [t for t in targets if t in known] or [module]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _layer(module: str) -> int:
    if module.startswith("faces"):
        return 3
    if module.startswith("flows"):
        return 2
    if module in BASE or module.startswith("screening.rules"):
        return 0
    return 1  # a stage of the library


def test_the_graph_is_read() -> None:
    graph = _graph()
    assert "screening.readers.crs" in graph["screening.readers"]
    assert "flows.ingest" in graph["faces.cli"]  # a function-level import counts


def test_imports_run_one_way() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if _layer(target) > _layer(module)
    )
    assert not wrong, "imports against the direction faces -> flows -> stages -> base:\n" + (
        "\n".join(wrong)
    )


def test_no_import_cycle() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append(trail[trail.index(target) :] + [module, target])
            elif target not in state:
                visit(target, trail + [module])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("package", ["screening", "flows"])
def test_the_library_and_flows_never_import_a_face(package: str) -> None:
    graph = _graph()
    assert not {
        (module, target)
        for module, targets in graph.items()
        if module.startswith(package)
        for target in targets
        if target.startswith("faces")
    }

"""The house rules, checked: no import cycle between datarank's modules, arrows point down (the
readers and the stages never import the command line or the Prefect flows; only the command line
reaches pipelines/), and no module grows past 500 lines."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "datarank"
MAX_LINES = 500


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Each datarank module → the datarank modules and pipelines it imports (anywhere in it)."""
    modules = {_module(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        tree = ast.parse(path.read_text())
        # Imports only the type checker sees (`if TYPE_CHECKING:`) are not made at run time.
        for block in ast.walk(tree):
            if isinstance(block, ast.If) and getattr(block.test, "id", None) == "TYPE_CHECKING":
                block.body = []
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from datarank.ingest import plan` imports the module plan, not what the package's
                # __init__ imports (Python loads the package first, but that is no cycle of ours)
                submodules = [f"{node.module}.{alias.name}" for alias in node.names if f"{node.module}.{alias.name}" in modules]
                targets = submodules if len(submodules) == len(node.names) else [node.module, *submodules]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            for target in targets:
                if target.startswith("pipelines"):
                    found.add("pipelines")
                elif target in modules and target != name:
                    found.add(target)
        graph[name] = found
    # The root package is the facade everything imports DataRankError from; its lazy `datarank.open`
    # (a module __getattr__) loads the API on first use, never while another module is imported.
    graph["datarank"] = set()
    return graph


def test_no_import_cycle() -> None:
    graph = _imports()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if target == "pipelines":
                continue
            if state.get(target) == 1:
                cycle = path[path.index(target):] + [target] if target in path else [node, target]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            if state.get(target) is None:
                visit(target, [*path, target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_only_the_command_line_reaches_the_prefect_flows() -> None:
    importers = sorted(name for name, targets in _imports().items() if "pipelines" in targets)
    assert importers == ["datarank.cli"]


def test_the_readers_do_not_import_the_stages() -> None:
    """export, query, explain, report, diff and the API read the published layout only."""
    stages = {"datarank.ingest", "datarank.score", "datarank.checks", "datarank.pipeline", "datarank.engines",
              "datarank.models", "datarank.cli"}
    graph = _imports()
    for reader in ("datarank.outputs", "datarank.researchers", "datarank.api", "datarank.report", "datarank.render",
                   "datarank.diff", "datarank.lookup", "datarank.sensitivity_table"):
        reached = {target for target in graph[reader] if any(target == s or target.startswith(s + ".") for s in stages)}
        assert not reached, f"{reader} imports {sorted(reached)}"


def test_no_module_is_over_500_lines() -> None:
    long = {str(path.relative_to(PACKAGE.parent)): n for path in PACKAGE.rglob("*.py")
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}

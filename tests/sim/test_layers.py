"""The simulator's layers, as moto's: the state imports nothing of the wire, the wire
nothing of the dispatcher or the serving adapters, and no module of the simulator
imports one that imports it back (type-only imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

import pykis.sim

ROOT = Path(pykis.sim.__file__).parent


def _graph() -> dict[str, set[str]]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        name = ".".join(("pykis", "sim", *path.relative_to(ROOT).with_suffix("").parts))
        modules[name.removesuffix(".__init__")] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pykis.sim"):
                targets = {f"{node.module}.{a.name}" for a in node.names} | {node.module}
                graph[name] |= {t for t in targets if t in modules and t != "pykis.sim"}
    return graph


def _reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_no_module_imports_itself_back() -> None:
    graph = _graph()
    assert [name for name in graph if name in _reaches(graph, name)] == []


def test_the_state_knows_no_wire_and_the_wire_no_dispatcher() -> None:
    graph = _graph()
    upper = {"pykis.sim.simulator", "pykis.sim.control", "pykis.sim.realtime"}
    assert not {t for t in _reaches(graph, "pykis.sim.state") if ".wire" in t or t in upper}
    for name in graph:
        if name.startswith("pykis.sim.wire"):
            assert not {t for t in _reaches(graph, name)
                        if t in upper or t.startswith("pykis.sim.serve")}, name

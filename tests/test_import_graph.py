"""The import graph of `src/wxmall` has no cycles.

Every module is parsed (not imported) and every import statement in it counts, including the ones inside
functions: a lazy import hides a cycle from Python's loader, not from the design. Only imports under
`if TYPE_CHECKING:` are left out: they exist for annotations and never run. `from pkg import name`
points at `pkg.name` when that is a module, else at `pkg` itself. A cycle fails the test and is printed
as the chain of modules that forms it. The same holds one level up, between the domain apps
(`wxmall.checkout` -> `wxmall.orders` means some checkout module imports some orders module): an app
that needs to act on another's change registers a hook with it instead of being imported by it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import wxmall

ROOT = Path(wxmall.__file__).resolve().parent
PACKAGE = "wxmall"


def module_name(path: Path) -> str:
    parts = [PACKAGE, *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _is_type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST):
    """Every node, except inside `if TYPE_CHECKING:` (annotations only; never executed)."""
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        if _is_type_checking(node):
            pending.extend(node.orelse)
        else:
            pending.extend(ast.iter_child_nodes(node))


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The wxmall modules `module` imports anywhere in its body."""
    targets: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, path.name == "__init__.py", node)
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                targets.add(candidate if candidate in known else source)
    return {t for t in targets if t in known and t != module}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def app_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Modules folded into their top-level package under wxmall (the domain app, or a root module)."""

    def app(name: str) -> str:
        return ".".join(name.split(".")[:2])

    folded: dict[str, set[str]] = {}
    for name, targets in graph.items():
        folded.setdefault(app(name), set()).update(app(t) for t in targets)
    return {name: targets - {name} for name, targets in folded.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component that has one (Tarjan), each as a closed chain."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_chain(graph, component) for component in components]


def _chain(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest closed path through the component's first module (breadth first)."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for succ in sorted(graph[node] & component):
                if succ == start:
                    return [*paths[node], start]
                if succ not in paths:
                    paths[succ] = [*paths[node], succ]
                    following.append(succ)
        frontier = following
    raise AssertionError("a strongly connected component always has a cycle")


def test_the_walker_sees_function_level_and_relative_imports(tmp_path):
    (tmp_path / "a.py").write_text("def f():\n    from .b import thing\n", encoding="utf-8")
    (tmp_path / "b.py").write_text(
        "import wxmall.a\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import wxmall.c\n",
        encoding="utf-8",
    )
    known = {"wxmall.a", "wxmall.b", "wxmall.c"}
    graph = {
        "wxmall.a": imports_of("wxmall.a", tmp_path / "a.py", known),
        "wxmall.b": imports_of("wxmall.b", tmp_path / "b.py", known),
    }
    assert graph == {"wxmall.a": {"wxmall.b"}, "wxmall.b": {"wxmall.a"}}
    assert cycles(graph) == [["wxmall.a", "wxmall.b", "wxmall.a"]]


def test_the_walker_covers_the_whole_hub():
    graph = import_graph()
    assert "wxmall.core.relay" in graph and "wxmall.orders.actions" in graph
    assert "wxmall.core.models" in graph["wxmall.core.relay"]


def test_src_wxmall_has_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "import cycles in src/wxmall:\n" + "\n".join(" -> ".join(c) for c in found)


def test_domain_apps_have_no_import_cycles():
    found = cycles(app_graph(import_graph()))
    assert not found, "import cycles between apps:\n" + "\n".join(" -> ".join(c) for c in found)

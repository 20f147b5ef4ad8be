"""No module imports itself back, e.g. services ↔ tasks (the direction between apps is pyproject's
import-linter contract, run by `make lint`)."""

from __future__ import annotations

import grimp

PACKAGES = ("console", "customers", "purchase_auth", "renewals", "portal")


def module_cycles(graph: grimp.ImportGraph) -> list[tuple[str, str]]:
    """Pairs (a, b) where a imports b directly and b leads back to a."""
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if graph.chain_exists(importer=imported, imported=module):
                cycles.append((module, imported))
    return cycles


def test_no_module_imports_itself_back() -> None:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    assert module_cycles(graph) == []


def test_the_check_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("app.services", "app.tasks", "app.models"):
        graph.add_module(module)
    graph.add_import(importer="app.tasks", imported="app.services")
    graph.add_import(importer="app.services", imported="app.models")
    assert module_cycles(graph) == []
    graph.add_import(importer="app.services", imported="app.tasks")
    assert module_cycles(graph) == [("app.services", "app.tasks"), ("app.tasks", "app.services")]

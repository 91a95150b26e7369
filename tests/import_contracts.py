"""An import-linter contract type for what the built-in ones leave out: any import circle at all.

`acyclic_siblings` compares sibling packages; it does not see a package whose `__init__` imports
a child that imports the package back (the classic Flask blueprint loop). This contract finds
every strongly connected group of modules in the graph (Tarjan's algorithm over grimp's graph)
and reports one circle through each, so `lint-imports` fails on a circle of any shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


def circles(imports: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or round about (each sorted, largest first)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(imports):
        if root in index:
            continue
        # Iterative Tarjan: (module, its remaining imports) frames instead of recursion.
        work = [(root, iter(sorted(imports.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, pending = work[-1]
            child = next(pending, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(imports.get(child, ())))))
                elif child in on_stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return sorted(found, key=lambda group: (-len(group), group))


class NoCirclesContract(Contract):
    """No module imports itself back through any chain of imports within `containers`."""

    containers = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        modules = {
            module for container in self.containers for module in (container, *graph.find_descendants(container))
        }
        imports = {module: graph.find_modules_directly_imported_by(module) & modules for module in modules}
        groups = circles(imports)
        loops = [self._loop(graph, group) for group in groups]
        return ContractCheck(kept=not groups, metadata={"loops": loops})

    @staticmethod
    def _loop(graph: ImportGraph, group: list[str]) -> list[str]:
        """One circle through the group's first module: it, the way back to it, and it again."""
        start = group[0]
        for target in sorted(graph.find_modules_directly_imported_by(start) & set(group)):
            back = graph.find_shortest_chain(importer=target, imported=start)
            if back:
                return [start, *back]
        return group

    def render_broken_contract(self, check: ContractCheck) -> None:
        for loop in check.metadata["loops"]:
            output.print_error(" -> ".join(loop), bold=False)
            output.new_line()

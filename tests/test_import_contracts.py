"""The no-circles contract `make lint` runs finds every circle, and nothing else."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.import_contracts import circles


def test_a_chain_has_no_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_a_package_and_the_child_that_imports_it_back_are_a_circle() -> None:
    found = circles({"ivr.console": {"ivr.console.views"}, "ivr.console.views": {"ivr.console"}})
    assert found == [["ivr.console", "ivr.console.views"]]


def test_separate_circles_are_reported_separately_with_their_tails_left_out() -> None:
    imports = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "x": {"y"}, "y": {"x"}, "z": {"x"}}
    assert circles(imports) == [["a", "b", "c"], ["x", "y"]]


MODULES = st.sampled_from("abcdef")


@given(st.dictionaries(MODULES, st.sets(MODULES, max_size=3), max_size=6))
def test_two_modules_share_a_circle_exactly_when_each_reaches_the_other(imports: dict[str, set[str]]) -> None:
    imports = {module: {m for m in targets if m != module} for module, targets in imports.items()}

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in imports.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    together = {(a, b) for group in circles(imports) for a in group for b in group if a != b}
    names = set(imports) | {m for targets in imports.values() for m in targets}
    expected = {(a, b) for a in names for b in names if a != b and b in reach(a) and a in reach(b)}
    assert together == expected

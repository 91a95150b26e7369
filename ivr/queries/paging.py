"""One page of a list: the console's pager and the API's `page`/`per_page` share it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    """Items of one page plus what a pager needs; order is always stable (ties broken by id)."""

    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_bounds(page: int, per_page: int, maximum: int = MAX_PER_PAGE) -> tuple[int, int]:
    """Clamp a requested page and page size to sane values."""
    return max(1, page), min(max(1, per_page), maximum)

"""Who may see what: agents their own region (and the calls they answered), supervisors and admins every region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from db.models import ADMIN, ROLES, SUPERVISOR, User

STAFF = ROLES
STATISTICS = (SUPERVISOR, ADMIN)
ADMINISTRATION = (ADMIN,)


@dataclass(frozen=True)
class Principal:
    """The logged-in user as the views need them, detached from any database session."""

    id: int
    username: str
    full_name: str
    role: str
    region_id: int | None

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(user.id, user.username, user.full_name, user.role, user.region_id)

    @property
    def sees_all_regions(self) -> bool:
        return self.role in (SUPERVISOR, ADMIN)

    def may_see_region(self, region_id: int | None) -> bool:
        """Agents see their own region only; calls without a region are national business."""
        return self.sees_all_regions or (region_id is not None and region_id == self.region_id)

    def may_see_call(self, region_id: int | None, agent_id: int | None) -> bool:
        """A call of a visible region, or one this user answered (an overflow from another region)."""
        return self.may_see_region(region_id) or (agent_id is not None and agent_id == self.id)


def region_clause(principal: Principal, column: Any) -> ColumnElement[bool]:
    """Principal.may_see_region as SQL over `column` (a region id): the one place the rule is written.

    An agent without a region sees nothing (never `region_id IS NULL`, which would be national business).
    """
    if principal.sees_all_regions:
        return true()
    return column == principal.region_id if principal.region_id is not None else false()


def call_clause(principal: Principal, region_column: Any, agent_column: Any) -> ColumnElement[bool]:
    """Principal.may_see_call as SQL: the region rule, or the call was answered by this user."""
    if principal.sees_all_regions:
        return true()
    return or_(region_clause(principal, region_column), agent_column == principal.id)

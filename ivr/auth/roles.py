"""Who may see what: agents their own region, supervisors and admins every region."""

from __future__ import annotations

from dataclasses import dataclass

from db.models import User

AGENT, SUPERVISOR, ADMIN = "agent", "supervisor", "admin"
STAFF = (AGENT, SUPERVISOR, ADMIN)
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

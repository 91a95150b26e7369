"""All models, importable from one place; each lives in the module of its concern."""

from db.models.access import ApiToken, ConsoleSession, TicketUpdate
from db.models.base import INT_MAX, INT_MIN, Base, UTCDateTime, utcnow, whole_number
from db.models.calls import CHANNELS, SMS, VOICE, WHATSAPP, Call, CallbackRequest, CallEvent
from db.models.catalog import ANNOUNCEMENT_CHARS, Announcement, MaintenanceNotice, Tariff
from db.models.customers import (
    POSTPAID,
    PREPAID,
    Bill,
    Customer,
    Meter,
    Reading,
    TokenPurchase,
)
from db.models.outbox import FAILED, OUTBOX_STATUSES, QUEUED, SENT, OutboxMessage
from db.models.regions import DEFAULT_TIMEZONE, Region, RegionAreaCode, RegionNumber
from db.models.stats import CallHourStats, FlowDayStats
from db.models.tickets import ACTIVE_STATUSES, DONE_STATUSES, TICKET_STATUSES, Complaint, ServiceRequest
from db.models.users import ADMIN, AGENT, ROLES, SUPERVISOR, User

__all__ = [
    "ACTIVE_STATUSES",
    "ADMIN",
    "AGENT",
    "ANNOUNCEMENT_CHARS",
    "CHANNELS",
    "DEFAULT_TIMEZONE",
    "DONE_STATUSES",
    "FAILED",
    "INT_MAX",
    "INT_MIN",
    "OUTBOX_STATUSES",
    "POSTPAID",
    "PREPAID",
    "QUEUED",
    "ROLES",
    "SENT",
    "SMS",
    "SUPERVISOR",
    "TICKET_STATUSES",
    "VOICE",
    "WHATSAPP",
    "Announcement",
    "ApiToken",
    "Base",
    "Bill",
    "Call",
    "CallEvent",
    "CallHourStats",
    "CallbackRequest",
    "Complaint",
    "ConsoleSession",
    "Customer",
    "FlowDayStats",
    "MaintenanceNotice",
    "Meter",
    "OutboxMessage",
    "Reading",
    "Region",
    "RegionAreaCode",
    "RegionNumber",
    "ServiceRequest",
    "Tariff",
    "TicketUpdate",
    "TokenPurchase",
    "UTCDateTime",
    "User",
    "utcnow",
    "whole_number",
]

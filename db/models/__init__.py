"""All models, importable from one place; each lives in the module of its concern."""

from db.models.access import ApiToken, TicketUpdate
from db.models.base import INT_MAX, INT_MIN, Base, UTCDateTime, utcnow, whole_number
from db.models.calls import CHANNELS, SMS, VOICE, WHATSAPP, Call, CallbackRequest, CallEvent
from db.models.catalog import MaintenanceNotice, Tariff
from db.models.customers import (
    POSTPAID,
    PREPAID,
    Bill,
    Customer,
    Meter,
    Reading,
    TokenPurchase,
)
from db.models.regions import DEFAULT_TIMEZONE, Region, RegionAreaCode, RegionNumber
from db.models.stats import CallHourStats, FlowDayStats
from db.models.tickets import ACTIVE_STATUSES, DONE_STATUSES, TICKET_STATUSES, Complaint, ServiceRequest
from db.models.users import ADMIN, AGENT, ROLES, SUPERVISOR, User

__all__ = [
    "ACTIVE_STATUSES",
    "ADMIN",
    "AGENT",
    "CHANNELS",
    "DEFAULT_TIMEZONE",
    "DONE_STATUSES",
    "INT_MAX",
    "INT_MIN",
    "POSTPAID",
    "PREPAID",
    "ROLES",
    "SMS",
    "SUPERVISOR",
    "TICKET_STATUSES",
    "VOICE",
    "WHATSAPP",
    "ApiToken",
    "Base",
    "Bill",
    "Call",
    "CallEvent",
    "CallHourStats",
    "CallbackRequest",
    "Complaint",
    "Customer",
    "FlowDayStats",
    "MaintenanceNotice",
    "Meter",
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

"""The application factory: settings -> extensions -> blueprints -> commands."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import Connection

from db.session import Database
from ivr import edge, health, logs, metrics
from ivr.api import routes as api_routes
from ivr.calls.row import CallRow
from ivr.calls.writer import CallWriter, RowObserver
from ivr.clock import Clock
from ivr.config import Settings, settings_from_env
from ivr.console import routes as console_routes
from ivr.conversations.core import ConversationCore
from ivr.conversations.keys import Keys
from ivr.engine.errors import FlowDefinitionError
from ivr.engine.loader import load_flows
from ivr.engine.prompts import load_prompts
from ivr.engine.runtime import Engine
from ivr.engine.services import ServiceRegistry
from ivr.extensions import Runtime, bind
from ivr.messaging import views as messaging_views
from ivr.messaging.gateway import MESSAGING_PROMPTS, MessagingConfig, MessagingGateway
from ivr.messaging.ratelimit import RateLimit, RateLimiter
from ivr.notify import make_sender
from ivr.phone.routing import RegionDirectory, load_snapshot
from ivr.services import build_registry
from ivr.services.agents import QueueLimits
from ivr.state import make_store
from ivr.stats import rollup
from ivr.stats.rollup import Zones
from ivr.voice import views as voice_views
from ivr.voice.gateway import BUSY_FLOW, GatewayConfig, VoiceGateway
from ivr.voice.queueing import QueueGateway, QueueSettings
from ivr.voice.twiml import VoiceSettings

log = logging.getLogger(__name__)

# Prompts the adapters say on their own (errors, transfers, attachments), so every flow set must have them.
ADAPTER_PROMPTS = (
    "common.system_error",
    "common.connecting_agent",
    "common.agent_unavailable",
    "common.goodbye",
    *MESSAGING_PROMPTS,
)


def create_app(overrides: Mapping[str, Any] | None = None, *, services: ServiceRegistry | None = None) -> Flask:
    """Build the app; `overrides` replace settings (tests), `services` add to the registry."""
    settings = settings_from_env().with_overrides(overrides)
    settings.check()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.env == "test",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.env == "production",
    )
    configure_logging(settings)
    edge.register(app, settings)
    register_extensions(app, settings, services)
    register_blueprints(app)
    register_commands(app)
    return app


def configure_logging(settings: Settings) -> None:
    logs.configure()
    if not settings.validate_twilio_signature:
        log.warning("!!! Twilio signature validation is OFF (development only): anyone can call the webhooks")


def build_engine(settings: Settings, registry: ServiceRegistry) -> Engine:
    """Load and check every flow and prompt; a bad file stops start-up here."""
    prompts = load_prompts(settings.flows_dir / "prompts")
    for key in ADAPTER_PROMPTS:
        if not prompts.has(key):
            raise FlowDefinitionError(f"prompt '{key}' is required by an adapter", file=str(settings.flows_dir))
    flows = load_flows(settings.flows_dir, prompts, registry)
    if settings.max_active_calls and BUSY_FLOW not in flows.flows:
        raise FlowDefinitionError(f"flow '{BUSY_FLOW}' is required by MAX_ACTIVE_CALLS", file=str(settings.flows_dir))
    return Engine(flows, prompts, registry, constants={"utility_name": settings.utility_name})


def register_extensions(app: Flask, settings: Settings, services: ServiceRegistry | None) -> None:
    limits = QueueLimits(settings.max_wait_seconds, settings.default_answer_seconds)
    registry = build_registry(limits)
    if services is not None:
        registry = registry.merged(services)
    database = Database(settings.database_url)
    clock = Clock()  # the one clock: the turns, the console, the live board and the rate limit read it
    store = make_store(
        settings.redis_url, settings.redis_namespace, cluster=settings.redis_cluster, clock=clock.timestamp
    )

    def snapshot_loader() -> Any:
        with database.session() as session:
            return load_snapshot(session)

    directory = RegionDirectory(snapshot_loader)
    core = ConversationCore(
        engine=build_engine(settings, registry),
        store=store,
        database=database,
        writer=CallWriter(observe=rollups_of(directory)),
        directory=directory,
        clock=clock,
        sender=make_sender(settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_sms_from),
        keys=Keys(settings.redis_namespace),
    )
    voice = VoiceGateway(
        core,
        GatewayConfig(
            default_language=settings.default_language,
            state_ttl=settings.call_state_ttl_seconds,
            fallback_agent_number=settings.fallback_agent_number,
            max_active_calls=settings.max_active_calls,
            voice=VoiceSettings(
                voices={"id": settings.voice_id, "en": settings.voice_en},
                gather_timeout=settings.gather_timeout_seconds,
            ),
        ),
    )
    queue = QueueGateway(
        voice,
        QueueSettings(
            overflow_after_seconds=settings.overflow_after_seconds,
            max_wait_seconds=settings.max_wait_seconds,
            default_answer_seconds=settings.default_answer_seconds,
            hold_music_url=settings.hold_music_url,
        ),
    )
    messaging = MessagingGateway(
        core,
        RateLimiter(RateLimit(settings.messaging_rate_limit, settings.messaging_rate_window_seconds), clock.timestamp),
        MessagingConfig(settings.default_language, settings.messaging_idle_minutes * 60),
    )
    bind(app, Runtime(settings, directory, clock, core, voice, queue, messaging))


def rollups_of(directory: RegionDirectory) -> RowObserver:
    """The statistics rollups, fed by the call writer, on the regions' clocks from the routing snapshot.

    Timezones come from the snapshot the routing uses (refreshed every minute), so a region's new
    timezone counts for calls that end from the next refresh on; `stats-rebuild` recounts the past.
    """

    def observe(connection: Connection, before: CallRow | None, after: CallRow) -> None:
        snapshot = directory.snapshot()
        national = snapshot.national.timezone if snapshot.national else None
        zones = Zones({region.id: region.timezone for region in snapshot.by_id.values()}, national)
        rollup.account(connection, before, after, zones)

    return observe


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(health.blueprint)
    console_routes.register(app)
    api_routes.register(app)
    app.register_blueprint(metrics.blueprint)
    app.register_blueprint(voice_views.blueprint)
    app.register_blueprint(messaging_views.blueprint)


def register_commands(app: Flask) -> None:
    from ivr.cli.commands import register

    register(app)

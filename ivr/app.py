"""The application factory: settings -> extensions -> blueprints -> commands."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import Connection

from db.models import DEFAULT_TIMEZONE
from db.session import Database
from ivr import access, edge, health, logs, metrics
from ivr.api import routes as api_routes
from ivr.auth.throttle import LoginLimits, LoginThrottle, counts_for
from ivr.calls.row import CallRow
from ivr.calls.writer import CallWriter, RowObserver
from ivr.clock import Clock, on_day
from ivr.config import ConfigError, Settings, settings_from_env
from ivr.console import routes as console_routes
from ivr.conversations.core import ConversationCore
from ivr.conversations.keys import Keys
from ivr.engine.errors import FlowDefinitionError
from ivr.engine.loader import load_flows
from ivr.engine.model import SpeechPolicy
from ivr.engine.prompts import load_prompts
from ivr.engine.runtime import ENGINE_PROMPTS, Engine
from ivr.engine.services import ServiceRegistry
from ivr.extensions import Runtime, bind, runtime
from ivr.messaging import views as messaging_views
from ivr.messaging.gateway import MESSAGING_PROMPTS, MessagingConfig, MessagingGateway
from ivr.messaging.ratelimit import RateLimit, RateLimiter
from ivr.notify.senders import make_sender
from ivr.phone.routing import RegionDirectory, load_snapshot
from ivr.queries.outbox import oldest_pending_age, outbox_depth
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

# Prompts the adapters and the engine say on their own (errors, transfers, attachments, speech not
# understood), so every flow set must have them.
ADAPTER_PROMPTS = (
    "common.system_error",
    "common.connecting_agent",
    "common.agent_unavailable",
    "common.goodbye",
    *MESSAGING_PROMPTS,
    *ENGINE_PROMPTS,
)


def create_app(overrides: Mapping[str, Any] | None = None, *, services: ServiceRegistry | None = None) -> Flask:
    """Build the app; `overrides` replace settings (tests), `services` add to the registry."""
    refuse_cli_dotenv()
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
    access.register(app)
    edge.register(app, settings)
    access.register_webhook_ids(app)
    register_extensions(app, settings, services)
    register_blueprints(app)
    register_gauges(app)
    register_commands(app)
    return app


def dotenv_files(start: Path) -> list[Path]:
    """The `.flaskenv` and `.env` Flask's CLI would read: the nearest of each in `start` or above."""
    found = []
    for name in (".flaskenv", ".env"):
        found += [folder / name for folder in (start, *start.parents) if (folder / name).is_file()][:1]
    return found


def refuse_cli_dotenv() -> None:
    """Settings come from the environment only: refuse a Flask CLI run that has read a .env file into it.

    Flask's CLI loads `.env` from the working directory (or above) whenever python-dotenv happens to
    be installed, and gunicorn never does; a copied `.env.example` would then quietly point the demo
    commands at PostgreSQL. One rule for every entry point instead: nothing in the service reads it.
    """
    context = click.get_current_context(silent=True)
    info = context.find_object(ScriptInfo) if context else None
    if info is None or not info.load_dotenv_defaults or find_spec("dotenv") is None:
        return
    found = dotenv_files(Path.cwd())
    if found:
        raise ConfigError(
            f"Flask's CLI has read {', '.join(map(str, found))} into the environment; this service takes its "
            "settings from the environment only, as gunicorn does. Run flask with FLASK_SKIP_DOTENV=1 (make does) "
            "and export the settings (set -a; . ./.env; set +a), or let your process manager read the file."
        )


def configure_logging(settings: Settings) -> None:
    logs.configure(settings.effective_log_format)
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
    constants = {"utility_name": settings.utility_name, "app_link": settings.app_link_url}
    speech = SpeechPolicy(enabled=settings.speech_input, min_confidence=settings.speech_min_confidence)
    return Engine(flows, prompts, registry, constants=constants, speech=speech)


def register_extensions(app: Flask, settings: Settings, services: ServiceRegistry | None) -> None:
    limits = QueueLimits(settings.max_wait_seconds, settings.default_answer_seconds)
    registry = build_registry(limits)
    if services is not None:
        registry = registry.merged(services)
    database = Database(settings.database_url)
    clock = make_clock(settings)  # the one clock: the turns, the console, the live board and the rate limit read it
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
        sender=make_sender(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_sms_from,
            settings.twilio_whatsapp_from,
        ),
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
    logins = LoginThrottle(
        LoginLimits(
            settings.login_max_failures_per_user,
            settings.login_max_failures_per_address,
            settings.login_window_minutes * 60,
        ),
        counts_for(store, clock.timestamp),
        settings.redis_namespace,
        clock.timestamp,
    )
    bind(app, Runtime(settings, directory, clock, core, voice, queue, messaging, logins))


def make_clock(settings: Settings) -> Clock:
    """The wall clock, or with DEMO_TODAY (demos, drills) that date on the national clock at the real time of day."""
    if settings.demo_today is None:
        return Clock()
    log.warning("DEMO_TODAY=%s: the clock says it is that day (national clock), real time of day", settings.demo_today)
    return Clock(on_day(settings.demo_today, DEFAULT_TIMEZONE))


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


def register_gauges(app: Flask) -> None:
    """/metrics reads the outbox at each scrape: a growing age means the sender is down or Twilio refuses."""
    rt = runtime(app)

    def depth() -> float:
        with rt.database.session() as session:
            return float(outbox_depth(session))

    def age() -> float:
        with rt.database.session() as session:
            return oldest_pending_age(session, rt.clock.now())

    metrics.add_gauge(app, "ivr_outbox_pending_messages", "Outgoing messages not yet sent nor given up on.", depth)
    metrics.add_gauge(app, "ivr_outbox_oldest_pending_seconds", "Seconds the oldest unsent message has waited.", age)


def register_commands(app: Flask) -> None:
    from ivr.cli.commands import register

    register(app)

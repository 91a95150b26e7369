"""Settings read from the environment, in one place.

Only this module reads environment variables. Secrets have no fallback value outside
development mode, and a malformed boolean or number is an error rather than a silent default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from db.models.stats import SERVICE_LEVEL_THRESHOLDS
from db.session import driver_url
from ivr.engine.speech import LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "ivr.sqlite3"

DEFAULT_APP_LINK = "https://www.pln.co.id/pln-mobile"
APP_LINK_MAX_CHARS = 100  # the link and its sentence fit one SMS

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the service refuses to start."""


def parse_bool(name: str, raw: str) -> bool:
    """Parse an on/off setting strictly, so a typo never silently means False."""
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use true/false)")


def _parse_int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from exc


def _parse_fraction(name: str, raw: str) -> float:
    """A number from 0 to 1 (a confidence), refusing what would silently accept or refuse everything."""
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a number") from exc
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{name}={raw!r} must be between 0 and 1")
    return value


def _parse_date(name: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a date (use YYYY-MM-DD)") from exc


@dataclass(frozen=True)
class Settings:
    """Everything the service can be told from outside; built once per app."""

    env: str = "production"
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    redis_url: str | None = None
    redis_cluster: bool = False
    redis_namespace: str = "ivr"
    twilio_auth_token: str | None = None
    twilio_account_sid: str | None = None
    twilio_sms_from: str | None = None
    twilio_whatsapp_from: str | None = None  # the WhatsApp sender (+62..., or whatsapp:+62...): ticket notices
    validate_twilio_signature: bool = True
    public_base_url: str | None = None
    trusted_proxy_hops: int = 0  # proxies in front whose X-Forwarded-Proto/Host/Port are believed
    secret_key: str | None = None
    flows_dir: Path = PROJECT_ROOT / "flows"
    call_state_ttl_seconds: int = 4 * 3600
    utility_name: str = "PLN"
    app_link_url: str = DEFAULT_APP_LINK  # sent to callers who ask for the app (menu 7)
    default_language: str = "id"
    voice_id: str = "Google.id-ID-Standard-A"
    voice_en: str = "Google.en-US-Standard-C"
    gather_timeout_seconds: int = 6
    speech_input: bool = True  # voice callers may say their answers (<Gather input="dtmf speech">)
    speech_min_confidence: float = 0.5  # a transcript the recogniser is less sure of is asked again
    fallback_agent_number: str | None = None
    metrics_token: str | None = None
    session_hours: int = 8
    login_max_failures_per_user: int = 5  # failed console logins per user name per window, then 429
    login_max_failures_per_address: int = 20  # failed console logins per client address per window
    login_window_minutes: int = 15
    hold_music_url: str | None = None
    overflow_after_seconds: int = 180
    max_wait_seconds: int = 300
    default_answer_seconds: int = 60
    service_level_seconds: int = 20
    default_region_code: str = "NASIONAL"
    messaging_idle_minutes: int = 30
    messaging_rate_limit: int = 10
    messaging_rate_window_seconds: int = 60
    max_active_calls: int = 0  # 0: no admission control
    log_format: str | None = None  # json | text; unset: text in development, json elsewhere
    prometheus_multiproc_dir: str | None = None  # gunicorn workers' metric files (gunicorn.conf.py sets it)
    outbox_max_attempts: int = 5
    outbox_retry_seconds: int = 30
    demo_today: date | None = None  # demos and drills: the clock reports this date (national), real time of day
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # postgres:// (Heroku) and postgresql:// name no driver: every reader of the URL gets psycopg's.
        object.__setattr__(self, "database_url", driver_url(self.database_url))

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @property
    def effective_log_format(self) -> str:
        """LOG_FORMAT, or text for a developer's terminal and JSON (one object a line) everywhere else."""
        return self.log_format or ("text" if self.is_development else "json")

    @property
    def uses_redis(self) -> bool:
        return bool(self.redis_url)

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> Settings:
        """Return a copy with the given fields replaced (used by tests and the factory)."""
        if not overrides:
            return self
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigError(f"unknown settings: {', '.join(sorted(unknown))}")
        return replace(self, **overrides)

    def check(self) -> None:
        """Refuse configurations that would be unsafe to run."""
        if self.default_language not in LANGUAGES:
            raise ConfigError(f"DEFAULT_LANGUAGE={self.default_language!r} must be one of {', '.join(LANGUAGES)}")
        if self.validate_twilio_signature and not self.twilio_auth_token:
            raise ConfigError(
                "TWILIO_AUTH_TOKEN is required to validate webhook signatures "
                "(only development may set TWILIO_VALIDATE_SIGNATURE=false)"
            )
        if not self.validate_twilio_signature and not self.is_development:
            raise ConfigError("TWILIO_VALIDATE_SIGNATURE=false is allowed only with IVR_ENV=development")
        if self.service_level_seconds not in SERVICE_LEVEL_THRESHOLDS:
            choices = ", ".join(map(str, SERVICE_LEVEL_THRESHOLDS))
            raise ConfigError(f"SERVICE_LEVEL_SECONDS={self.service_level_seconds} must be one of {choices}")
        for name in (
            "messaging_idle_minutes",
            "messaging_rate_limit",
            "messaging_rate_window_seconds",
            "session_hours",
            "login_max_failures_per_user",
            "login_max_failures_per_address",
            "login_window_minutes",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name.upper()}={getattr(self, name)} must be at least 1")
        if not self.redis_namespace or set(self.redis_namespace) & set("{} "):
            raise ConfigError(
                f"REDIS_NAMESPACE={self.redis_namespace!r} must be a word without braces or spaces "
                "(braces would split a call's keys across Redis Cluster slots)"
            )
        if self.redis_cluster and not self.redis_url:
            raise ConfigError("REDIS_CLUSTER=true needs REDIS_URL (any node of the cluster)")
        if self.redis_cluster and urlsplit(self.redis_url or "").path.strip("/") not in ("", "0"):
            raise ConfigError("REDIS_URL must name database 0 or none: a Redis Cluster (REDIS_CLUSTER) has no other")
        for name in ("outbox_max_attempts", "outbox_retry_seconds"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name.upper()}={getattr(self, name)} must be at least 1")
        if self.max_active_calls < 0:
            raise ConfigError(f"MAX_ACTIVE_CALLS={self.max_active_calls} must be 0 (no limit) or more")
        if self.log_format not in (None, "json", "text"):
            raise ConfigError(f"LOG_FORMAT={self.log_format!r} must be json or text")
        if self.demo_today is not None and self.env == "production":
            raise ConfigError("DEMO_TODAY pins the date for demos and drills; it is refused with IVR_ENV=production")
        if not self.secret_key and self.env == "production":
            raise ConfigError("SECRET_KEY is required: it signs console sessions")
        self._check_public_url()
        self._check_app_link()

    def _check_app_link(self) -> None:
        """The app link goes out by SMS and in chat replies: an https URL a phone can open, short enough for one SMS."""
        parts = urlsplit(self.app_link_url)
        if parts.scheme != "https" or not parts.hostname or len(self.app_link_url) > APP_LINK_MAX_CHARS:
            raise ConfigError(
                f"APP_LINK_URL={self.app_link_url!r} must be an https URL of at most {APP_LINK_MAX_CHARS} characters"
            )
        if any(character.isspace() for character in self.app_link_url):
            raise ConfigError(f"APP_LINK_URL={self.app_link_url!r} must not contain spaces")

    def _check_public_url(self) -> None:
        """Webhook signatures are checked against the URL Twilio called, which a client's Host header must not pick."""
        if self.trusted_proxy_hops < 0:
            raise ConfigError(f"TRUSTED_PROXY_HOPS={self.trusted_proxy_hops} must be 0 (no proxy) or more")
        if self.public_base_url:
            parts = urlsplit(self.public_base_url)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
                raise ConfigError(f"PUBLIC_BASE_URL={self.public_base_url!r} must be like https://ivr.example.co.id")
        elif self.env == "production" and self.validate_twilio_signature and not self.trusted_proxy_hops:
            raise ConfigError(
                "PUBLIC_BASE_URL (the https URL Twilio calls) is required in production, or TRUSTED_PROXY_HOPS "
                "(how many proxies in front set X-Forwarded-Proto/Host): else a request's Host header would "
                "pick the URL its signature is checked against"
            )


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from environment variables (see .env.example for each one)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}

    def text(var: str, attr: str) -> None:
        if env.get(var):
            values[attr] = env[var]

    def number(var: str, attr: str) -> None:
        if env.get(var):
            values[attr] = _parse_int(var, env[var])

    text("IVR_ENV", "env")
    text("DATABASE_URL", "database_url")
    text("REDIS_URL", "redis_url")
    text("REDIS_NAMESPACE", "redis_namespace")
    text("TWILIO_AUTH_TOKEN", "twilio_auth_token")
    text("TWILIO_ACCOUNT_SID", "twilio_account_sid")
    text("TWILIO_SMS_FROM", "twilio_sms_from")
    text("TWILIO_WHATSAPP_FROM", "twilio_whatsapp_from")
    text("PUBLIC_BASE_URL", "public_base_url")
    text("SECRET_KEY", "secret_key")
    text("UTILITY_NAME", "utility_name")
    text("APP_LINK_URL", "app_link_url")
    text("DEFAULT_LANGUAGE", "default_language")
    text("VOICE_ID", "voice_id")
    text("VOICE_EN", "voice_en")
    text("FALLBACK_AGENT_NUMBER", "fallback_agent_number")
    text("DEFAULT_REGION_CODE", "default_region_code")
    text("METRICS_TOKEN", "metrics_token")
    text("HOLD_MUSIC_URL", "hold_music_url")
    text("LOG_FORMAT", "log_format")
    text("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir")
    number("SESSION_HOURS", "session_hours")
    number("LOGIN_MAX_FAILURES_PER_USER", "login_max_failures_per_user")
    number("LOGIN_MAX_FAILURES_PER_ADDRESS", "login_max_failures_per_address")
    number("LOGIN_WINDOW_MINUTES", "login_window_minutes")
    number("OVERFLOW_AFTER_SECONDS", "overflow_after_seconds")
    number("MAX_WAIT_SECONDS", "max_wait_seconds")
    number("DEFAULT_ANSWER_SECONDS", "default_answer_seconds")
    number("SERVICE_LEVEL_SECONDS", "service_level_seconds")
    number("CALL_STATE_TTL_SECONDS", "call_state_ttl_seconds")
    number("GATHER_TIMEOUT_SECONDS", "gather_timeout_seconds")
    number("MESSAGING_IDLE_MINUTES", "messaging_idle_minutes")
    number("MESSAGING_RATE_LIMIT", "messaging_rate_limit")
    number("MESSAGING_RATE_WINDOW_SECONDS", "messaging_rate_window_seconds")
    number("MAX_ACTIVE_CALLS", "max_active_calls")
    number("OUTBOX_MAX_ATTEMPTS", "outbox_max_attempts")
    number("OUTBOX_RETRY_SECONDS", "outbox_retry_seconds")
    if env.get("SPEECH_MIN_CONFIDENCE"):
        values["speech_min_confidence"] = _parse_fraction("SPEECH_MIN_CONFIDENCE", env["SPEECH_MIN_CONFIDENCE"])
    if "SPEECH_INPUT" in env:
        values["speech_input"] = parse_bool("SPEECH_INPUT", env["SPEECH_INPUT"])
    if env.get("DEMO_TODAY"):
        values["demo_today"] = _parse_date("DEMO_TODAY", env["DEMO_TODAY"])
    number("TRUSTED_PROXY_HOPS", "trusted_proxy_hops")
    if env.get("FLOWS_DIR"):
        values["flows_dir"] = Path(env["FLOWS_DIR"])
    if "REDIS_CLUSTER" in env:
        values["redis_cluster"] = parse_bool("REDIS_CLUSTER", env["REDIS_CLUSTER"])
    if "TWILIO_VALIDATE_SIGNATURE" in env:
        values["validate_twilio_signature"] = parse_bool("TWILIO_VALIDATE_SIGNATURE", env["TWILIO_VALIDATE_SIGNATURE"])
    return Settings(**values)

"""The per-app objects every view needs, built once in the factory and kept on the app.

Nothing here is created at import time; two apps in one process (as the tests use) each get
their own database, store and engine. This module imports none of the parts at run time (only
for their type names), so any layer that runs inside a request may read the runtime.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:  # names for the annotations only: the factory (ivr.app) builds the parts and imports them
    from db.session import Database
    from ivr.auth.throttle import LoginThrottle
    from ivr.clock import Clock
    from ivr.config import Settings
    from ivr.conversations.core import ConversationCore
    from ivr.engine.runtime import Engine
    from ivr.live.board import LiveBoard
    from ivr.messaging.gateway import MessagingGateway
    from ivr.phone.routing import RegionDirectory
    from ivr.state import CallStateStore
    from ivr.voice.gateway import VoiceGateway
    from ivr.voice.queueing import QueueGateway

EXTENSION_KEY = "ivr"


@dataclass
class Runtime:
    """The app's parts; the database, the call-state store and its live board are the core's."""

    settings: Settings
    directory: RegionDirectory
    clock: Clock
    core: ConversationCore
    voice: VoiceGateway
    queue: QueueGateway
    messaging: MessagingGateway
    logins: LoginThrottle  # console login failures, counted where every web process sees them

    @property
    def database(self) -> Database:
        return self.core.database

    @property
    def store(self) -> CallStateStore:
        return self.core.store

    @property
    def live(self) -> LiveBoard:
        return self.core.store.board

    @property
    def engine(self) -> Engine:
        return self.core.engine


def bind(app: Flask, runtime: Runtime) -> None:
    app.extensions[EXTENSION_KEY] = runtime


def runtime(app: Flask | None = None) -> Runtime:
    """The runtime of the given app, or of the app handling the current request."""
    target = app or current_app
    return target.extensions[EXTENSION_KEY]

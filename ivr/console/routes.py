"""Every console feature, imported here so its routes and menu entries exist, and the console attached."""

from __future__ import annotations

from flask import Flask

from ivr.auth.sessions import csrf_token, current_user
from ivr.console import (
    admin,
    announcements,
    auth_views,
    calls,
    customers,
    formatting,
    headers,
    home,
    language,
    live,
    nav,
    now,
    readings,
    stats,
    translate,
    work,
)
from ivr.console.blueprint import blueprint
from ivr.extensions import runtime

# Imported for their routes.
FEATURES = (
    auth_views,
    home,
    headers,
    language,
    work,
    readings,
    calls,
    customers,
    live,
    now,
    admin,
    announcements,
    stats,
)


def register(app: Flask) -> None:
    """Attach the console: its features, template helpers and CSRF protection."""
    app.register_blueprint(blueprint)
    app.jinja_env.globals.update(
        csrf_token=csrf_token,
        current_user=current_user,
        nav_for=nav.entries_for,
        viewer_language=language.viewer_language,
        language_switch_labels=language.SWITCH_LABELS,
        t=translate.t,
    )
    formatting.install(app)
    app.context_processor(brand)


def brand() -> dict[str, str]:
    """The utility whose console this is (UTILITY_NAME), for the header and the window title."""
    return {"utility_name": runtime().settings.utility_name}

"""The server-rendered console for agents, supervisors and admins.

Each feature is a module of this package that adds routes to `blueprint` and, if it has a page
of its own, a navigation entry (`nav.add`). Templates live in templates/console/.
"""

from __future__ import annotations

from flask import Blueprint, Flask

blueprint = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")


def register(app: Flask) -> None:
    """Attach the console: its features, template helpers and CSRF protection."""
    from ivr.auth.sessions import csrf_token, current_user
    from ivr.console import auth_views, features, formatting, nav  # noqa: F401  (routes register on import)

    features.load()
    app.register_blueprint(blueprint)
    app.jinja_env.globals.update(csrf_token=csrf_token, current_user=current_user, nav_for=nav.entries_for)
    formatting.install(app)

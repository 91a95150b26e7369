"""The load baseline: a trivial Flask app that answers every webhook with one constant TwiML document.

Served by gunicorn with the same settings as the real service, so `bench/load.py` can report the
service's latency as a ratio to what this machine and gunicorn cost with no work at all.
"""

from __future__ import annotations

from flask import Flask, Response

CONSTANT_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Gather action="/voice/step?step=1" numDigits="1"><Say>Halo</Say></Gather></Response>'
)


def create_app() -> Flask:
    app = Flask("baseline")

    @app.post("/<path:anything>")
    def constant(anything: str) -> Response:
        return Response(CONSTANT_TWIML, mimetype="text/xml")

    return app

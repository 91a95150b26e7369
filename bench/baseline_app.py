"""The load baseline: a trivial Flask app that checks the Twilio signature and answers constant TwiML.

Served by gunicorn with the same settings as the real service, so `bench/load.py` can report the
service's figures as ratios to what this machine, gunicorn, Flask and the signature check cost
with no other work. The check is the service's (ivr/voice/security.py): twilio's RequestValidator
over request.url and the form, 403 when X-Twilio-Signature does not match.
"""

from __future__ import annotations

import os

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator

LOAD_TOKEN = "load-drill-token"  # bench/load.py's TOKEN
CONSTANT_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Gather action="/voice/step?step=1" numDigits="1"><Say>Halo</Say></Gather></Response>'
)


def create_app() -> Flask:
    app = Flask("baseline")
    token = os.environ.get("TWILIO_AUTH_TOKEN", LOAD_TOKEN)

    @app.post("/<path:anything>")
    def constant(anything: str) -> Response:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not RequestValidator(token).validate(request.url, request.form.to_dict(), signature):
            abort(403)
        return Response(CONSTANT_TWIML, mimetype="text/xml")

    return app

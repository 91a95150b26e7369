"""The load baseline: a trivial Flask app that checks the Twilio signature and answers constant TwiML.

Served by gunicorn with the same settings as the real service, so `bench/load.py` can report the
service's figures as ratios to what this machine, gunicorn, Flask and the signature check cost
with no other work. The check is the service's own (ivr/signatures.py, imported), 403 when
X-Twilio-Signature does not match, so a faster check makes the baseline faster too.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from flask import Flask, Response, abort, request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr.signatures import is_valid_signature

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
        if not is_valid_signature(request, token, None):
            abort(403)
        return Response(CONSTANT_TWIML, mimetype="text/xml")

    return app

"""Flask route for Twilio Messaging webhooks (SMS and WhatsApp); a thin wrapper around the gateway."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import HTTPException

from ivr import telemetry
from ivr.extensions import runtime
from ivr.signatures import twilio_signed

log = logging.getLogger(__name__)

blueprint = Blueprint("messaging", __name__, url_prefix="/messaging")
LAST_RESORT = "Mohon maaf, sistem kami sedang mengalami gangguan. Silakan kirim pesan Anda kembali beberapa saat lagi."


def _twiml(body: str) -> Response:
    return Response(body, status=200, mimetype="text/xml")


@blueprint.post("/incoming")
@twilio_signed
def incoming() -> Response:
    return _twiml(runtime().messaging.incoming(request.form))


@blueprint.errorhandler(Exception)
def last_resort(error: Exception) -> Response | HTTPException:
    """Whatever broke, the customer gets an apology instead of silence or an error page."""
    if isinstance(error, HTTPException):
        return error
    log.exception("unhandled error in the messaging webhook", exc_info=error)
    telemetry.error("messaging", error)
    telemetry.apologised("messaging", "unhandled")
    response = MessagingResponse()
    response.message(LAST_RESORT)
    return _twiml(str(response))

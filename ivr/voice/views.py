"""Flask routes for the Twilio voice webhooks; thin wrappers around the VoiceGateway."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from ivr import telemetry
from ivr.extensions import runtime
from ivr.signatures import twilio_signed
from ivr.voice import recovery

log = logging.getLogger(__name__)

blueprint = Blueprint("voice", __name__, url_prefix="/voice")


def _twiml(body: str) -> Response:
    """Every voice webhook answers TwiML: an empty body (Twilio's "application error") becomes a hang-up."""
    if not body.strip():
        log.error("a voice webhook produced no TwiML for %s; hanging up", request.path)
        response = VoiceResponse()
        response.hangup()
        body = str(response)
    return Response(body, status=200, mimetype="text/xml")


def _step_param() -> int | None:
    raw = request.args.get("step", "")
    return int(raw) if raw.isdigit() and len(raw) < 7 else None


@blueprint.post("/incoming")
@twilio_signed
def incoming() -> Response:
    return _twiml(runtime().voice.incoming(request.form))


@blueprint.post("/step")
@twilio_signed
def step() -> Response:
    no_input = request.args.get("timeout") == "1"
    return _twiml(runtime().voice.step(request.form, _step_param(), no_input))


@blueprint.post("/fallback")
@twilio_signed
def fallback() -> Response:
    """The numbers' Voice Fallback URL: Twilio posts here (with ErrorCode, ErrorUrl) when a webhook failed."""
    return _twiml(recovery.fallback(runtime().voice, request.form))


@blueprint.post("/dial-result")
@twilio_signed
def dial_result() -> Response:
    return _twiml(runtime().voice.dial_result(request.form))


@blueprint.post("/status")
@twilio_signed
def status() -> Response:
    return _twiml(runtime().voice.status(request.form))


@blueprint.post("/queue/wait")
@twilio_signed
def queue_wait() -> Response:
    return _twiml(runtime().queue.wait(request.form))


@blueprint.post("/queue/choice")
@twilio_signed
def queue_choice() -> Response:
    return _twiml(runtime().queue.choice(request.form))


@blueprint.post("/queue/result")
@twilio_signed
def queue_result() -> Response:
    return _twiml(runtime().queue.result(request.form))


@blueprint.post("/queue/bridge")
@twilio_signed
def queue_bridge() -> Response:
    return _twiml(runtime().queue.bridge(request.form))


@blueprint.post("/agent/incoming")
@twilio_signed
def agent_incoming() -> Response:
    return _twiml(runtime().queue.agent_incoming(request.form, again=request.args.get("again") == "1"))


@blueprint.post("/agent/done")
@twilio_signed
def agent_done() -> Response:
    return _twiml(runtime().queue.agent_done(request.form))


@blueprint.post("/agent/status")
@twilio_signed
def agent_status() -> Response:
    return _twiml(runtime().queue.agent_status(request.form))


@blueprint.errorhandler(Exception)
def last_resort(error: Exception) -> Response | HTTPException:
    """Whatever broke, the caller hears an apology instead of Twilio's application error."""
    if isinstance(error, HTTPException):
        return error
    log.exception("unhandled error in a voice webhook", exc_info=error)
    telemetry.error("voice", error)
    telemetry.apologised("voice", "unhandled")
    response = VoiceResponse()
    settings = runtime().settings
    response.say(
        "Mohon maaf, sistem kami sedang mengalami gangguan. Silakan hubungi kami kembali.",
        voice=settings.voice_id,
        language="id-ID",
    )
    response.hangup()
    return _twiml(str(response))

"""Utility contact-center backend: Twilio voice IVR, call records, agent and supervisor APIs."""

from ivr.app import create_app

__all__ = ["create_app"]

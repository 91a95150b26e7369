"""Outgoing text messages: the senders (Twilio, or off), the outbox rows turns write, and the worker that sends them."""

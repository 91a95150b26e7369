"""The Twilio voice adapter: menu webhooks, queue and agent webhooks, the fallback URL, signatures, TwiML."""

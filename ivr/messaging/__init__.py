"""The messaging adapter: SMS and WhatsApp text in, the same flows, text replies out."""

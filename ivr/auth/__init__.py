"""Logins, roles and API tokens for agents, supervisors and admins."""

"""What the console and the JSON API read and change, as plain functions over a session.

Every function takes the logged-in Principal and applies the role rules itself (agents: their
region only), so a view cannot forget them.
"""

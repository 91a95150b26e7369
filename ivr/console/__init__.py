"""The server-rendered console for agents, supervisors and admins.

`blueprint` (ivr/console/blueprint.py) is what every feature module adds its routes to, and
`nav.add` its menu entry; `routes.register(app)` imports every feature and attaches the console.
Templates live in templates/console/.
"""

"""The JSON API for agents, supervisors and scripts: /api/v1/..., Bearer-token authenticated.

Views are thin: they parse parameters, call the same functions in ivr/queries that the console
uses (so the role rules are the same), and serialise. The contract is openapi.yaml beside this
file, served at /api/v1/openapi.json and checked against real responses by the tests.
`routes.register(app)` imports every resource module and attaches the API.
"""

"""A resource server on its own: a Django site that shares no database with the
authorization server and knows only its issuer and JWKS URL (docs/jwt.rst). The tests
run it with ``runserver`` on a port of its own (tests/test_jwt_resource_server.py)."""

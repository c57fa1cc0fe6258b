"""Shared rules, below both the authorization server and the resource server.

Plain functions and classes over plain values: errors (one hierarchy, RFC 6749 and
RFC 6750 codes), scopes, redirect URIs, PKCE, hashing, grant types, the issuer and
the signals. Nothing here imports from ``storage``, ``server``, ``resource`` or ``ops``.
"""

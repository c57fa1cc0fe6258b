"""The authorization server: endpoints, the oauthlib validator and server, client
authentication, consent, rate limits, introspection and metadata.

Built on django-oauth-toolkit and oauthlib through their documented extension
points; imports ``core`` and ``storage``, never ``resource`` or ``ops``.
"""

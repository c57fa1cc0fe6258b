"""Endpoint views: parse, call oauthlib through django-oauth-toolkit, render. Thin:
the rules they apply live in the modules of ``server`` and ``core``."""

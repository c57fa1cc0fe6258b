"""Endpoint views: parse, call oauthlib through django-oauth-toolkit, render."""

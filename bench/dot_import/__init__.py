"""Settings for bench/import_dot.py: one PostgreSQL database, first with django-oauth-toolkit
alone, then switched to oauth_provider (docs/switching.rst)."""

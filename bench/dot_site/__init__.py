"""The reference site: plain django-oauth-toolkit with its documented defaults."""

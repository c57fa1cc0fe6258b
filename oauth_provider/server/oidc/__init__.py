"""OpenID Connect on top of the authorization server: claims, subjects, ID tokens, and the
validator hooks django-oauth-toolkit and oauthlib call (docs/oidc.rst)."""

"""Deprecated alias of :mod:`oauth_provider.storage.clients` and, for revoking a client's
tokens, :mod:`oauth_provider.storage.revocation` (removed in 0.3)."""

from ._moved import warn_moved
from .storage.clients import *  # noqa: F403
from .storage.revocation import revoke_client_tokens  # noqa: F401

warn_moved("oauth_provider.clients", "oauth_provider.storage.clients")

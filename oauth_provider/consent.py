"""Deprecated alias of :mod:`oauth_provider.server.consent` and, for ``revoke_consent``,
:mod:`oauth_provider.storage.revocation` (removed in 0.3)."""

from ._moved import warn_moved
from .server.consent import *  # noqa: F403
from .storage.revocation import revoke_consent  # noqa: F401

warn_moved("oauth_provider.consent", "oauth_provider.server.consent")

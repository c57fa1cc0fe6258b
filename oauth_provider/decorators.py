"""Deprecated alias of :mod:`oauth_provider.resource` (removed in 0.3)."""

from ._moved import warn_moved
from .resource.decorators import *  # noqa: F403

warn_moved("oauth_provider.decorators", "oauth_provider.resource")

"""Deprecation warnings for the import paths that moved in 0.2 (removed in 0.3)."""

from __future__ import annotations

import warnings

__all__ = ["warn_moved"]


def warn_moved(old: str, new: str) -> None:
    """Warn that the module ``old`` is now ``new``."""
    warnings.warn(
        f"{old} moved to {new} in oauth_provider 0.2; the old path is removed in 0.3.",
        DeprecationWarning,
        stacklevel=3,
    )

"""Keep credentials out of logs (docs/security.rst).

oauthlib's DEBUG records print authorization codes and tokens ("Created authorization
code grant {'code': ...}", "Validating refresh token ..."). Its loggers are one per
module, and a logger's filters do not apply to records propagated from its children,
so the filter goes on every oauthlib logger.
"""

from __future__ import annotations

import logging

__all__ = ["DropDebugRecords", "silence_oauthlib_debug"]


class DropDebugRecords(logging.Filter):
    """Drops records below INFO."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


def silence_oauthlib_debug() -> None:
    """Attach :class:`DropDebugRecords` to oauthlib's loggers (they exist once oauthlib is imported)."""
    import oauthlib.oauth2  # noqa: F401  (creates the module loggers)

    names = [
        name for name in logging.root.manager.loggerDict if name == "oauthlib" or name.startswith("oauthlib.")
    ]
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropDebugRecords) for f in logger.filters):
            logger.addFilter(DropDebugRecords())

"""Operations: the admin, the management commands, the audit trail, health and metrics."""

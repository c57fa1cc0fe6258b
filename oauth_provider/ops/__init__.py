"""Operations: the admin, the management commands and the audit trail."""

"""A site that extends the package's models: its own Application with a field, and its own
Consent. tests/test_extended_models.py runs parts of the suite on it (settings.py here)."""

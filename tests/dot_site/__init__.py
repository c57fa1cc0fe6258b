"""A site built as django-oauth-toolkit's tutorial builds one, with nothing of this package:
the database it writes is what ``oauth_provider_import_dot`` reads in tests/test_import_dot.py."""

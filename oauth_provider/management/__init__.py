"""Management commands; every one is named ``oauth_provider_*``."""

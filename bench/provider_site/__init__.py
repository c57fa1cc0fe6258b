"""The bench site for oauth_provider."""

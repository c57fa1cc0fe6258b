"""Tests that drive a real browser (Chromium through Playwright) against the live server."""

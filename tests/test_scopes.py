"""Scope policy (RFC 6749 §3.3): parsing, grammar, per-client limits and defaults."""

from __future__ import annotations

import pytest

from oauth_provider.core.scopes import (
    allowed_scopes,
    default_scopes,
    invalid_scope_tokens,
    parse_scope,
)
from oauth_provider.server.scopes_backend import ApplicationScopes

from .factories import ApplicationFactory

# The test settings' OAUTH_PROVIDER["SCOPES"], in order.
KNOWN = ["read", "write", "bookings:read"]

PARSE = [
    # (scope parameter, scope tokens)
    (None, []),
    ("", []),
    (" ", []),
    ("read", ["read"]),
    ("read write", ["read", "write"]),
    ("write read", ["write", "read"]),  # order kept
    ("read  write ", ["read", "write"]),  # runs of spaces
    ("read write read", ["read", "write"]),  # repeats dropped
    ("bookings:read", ["bookings:read"]),
    ("READ read", ["READ", "read"]),  # scope tokens are case-sensitive
    # RFC 6749 §3.3 delimits with %x20 only; other whitespace stays inside a token,
    # where invalid_scope_tokens finds it.
    ("read\twrite", ["read\twrite"]),
    ("read\nwrite", ["read\nwrite"]),
]


@pytest.mark.parametrize(("value", "expected"), PARSE)
def test_parse_scope_splits_on_spaces(value, expected):
    assert parse_scope(value) == expected


VALID_TOKENS = [
    "read",
    "bookings:read",
    "https://api.example/read",
    "a",
    "!",  # %x21
    "#$%&'()*+,-./0123456789:;<=>?@[]^_`{|}~",  # %x23-5B and %x5D-7E
    "ABCXYZabcxyz",
]


@pytest.mark.parametrize("token", VALID_TOKENS)
def test_scope_tokens_in_the_rfc_6749_section_3_3_grammar(token):
    assert invalid_scope_tokens([token]) == []


INVALID_TOKENS = [
    "",
    'say"hi',  # %x22
    "back\\slash",  # %x5C
    "two words",  # %x20
    "tab\there",
    "new\nline",
    "trailing\n",
    "nul\x00",
    "bell\x07",
    "del\x7f",
    "caf\u00e9",  # outside %x21-7E
    "\u2028",
]


@pytest.mark.parametrize("token", INVALID_TOKENS)
def test_scope_tokens_outside_the_rfc_6749_section_3_3_grammar(token):
    assert invalid_scope_tokens([token]) == [token]


def test_invalid_scope_tokens_returns_only_the_bad_ones_in_order():
    assert invalid_scope_tokens(["read", 'a"b', "write", "c\\d"]) == ['a"b', "c\\d"]
    assert invalid_scope_tokens([]) == []


ALLOWED = [
    # (known scopes, client's registered scopes, scopes it may request)
    (KNOWN, [], KNOWN),  # nothing registered: every known scope
    (KNOWN, ["read"], ["read"]),
    (KNOWN, ["bookings:read", "read"], ["read", "bookings:read"]),  # in the site's order
    (KNOWN, ["read", "admin"], ["read"]),  # registered but no longer known
    (KNOWN, ["admin"], []),  # nothing left: not "everything"
    ([], ["read"], []),
    ([], [], []),
]


@pytest.mark.parametrize(("known", "registered", "expected"), ALLOWED)
def test_allowed_scopes(known, registered, expected):
    assert allowed_scopes(known, registered) == expected


def test_allowed_scopes_accepts_a_scopes_dict():
    assert allowed_scopes({"read": "Read", "write": "Write"}, ["write"]) == ["write"]


DEFAULTS = [
    # (DEFAULT_SCOPES, client's allowed scopes, default grant)
    (["__all__"], KNOWN, KNOWN),
    (["__all__"], ["read"], ["read"]),
    (["__all__"], [], []),
    (["read"], KNOWN, ["read"]),
    (["read", "write"], ["read"], ["read"]),  # narrowed to what the client may have
    (["write"], ["read"], []),
    (["read", "__all__"], ["write"], ["write"]),
    ([], KNOWN, []),
]


@pytest.mark.parametrize(("configured", "allowed", "expected"), DEFAULTS)
def test_default_scopes(configured, allowed, expected):
    """RFC 6749 §3.3: a request without ``scope`` gets a pre-defined default."""
    assert default_scopes(configured, allowed) == expected


# --- ApplicationScopes: django-oauth-toolkit's scopes backend ---------------------------


@pytest.fixture
def backend():
    return ApplicationScopes()


def test_all_scopes_are_the_configured_ones_with_descriptions(backend):
    assert backend.get_all_scopes() == {
        "read": "Read your data",
        "write": "Change your data",
        "bookings:read": "See your bookings",
    }


@pytest.mark.django_db
def test_a_client_with_allowed_scopes_is_limited_to_them(backend):
    client = ApplicationFactory(allowed_scopes="bookings:read read")
    assert backend.get_available_scopes(application=client) == ["read", "bookings:read"]
    assert backend.get_default_scopes(application=client) == ["read", "bookings:read"]


@pytest.mark.django_db
def test_a_client_without_allowed_scopes_may_have_every_scope(backend):
    client = ApplicationFactory(allowed_scopes="")
    assert backend.get_available_scopes(application=client) == KNOWN
    assert backend.get_default_scopes(application=client) == KNOWN


def test_without_a_client_every_scope_is_available(backend):
    assert backend.get_available_scopes() == KNOWN
    assert backend.get_default_scopes() == KNOWN


@pytest.mark.django_db
def test_configured_default_scopes_are_narrowed_to_the_client(backend, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "DEFAULT_SCOPES": ["read", "write"]}
    limited = ApplicationFactory(allowed_scopes="write bookings:read")
    unlimited = ApplicationFactory(allowed_scopes="")
    assert backend.get_default_scopes(application=limited) == ["write"]
    assert backend.get_default_scopes(application=unlimited) == ["read", "write"]


@pytest.mark.django_db
def test_backend_follows_a_change_of_scopes(backend, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "SCOPES": {"profile": "Your profile"}}
    client = ApplicationFactory(allowed_scopes="read")
    assert backend.get_all_scopes() == {"profile": "Your profile"}
    assert backend.get_available_scopes(application=client) == []
    assert backend.get_available_scopes(application=ApplicationFactory(allowed_scopes="")) == ["profile"]

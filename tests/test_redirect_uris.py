"""Redirect URI rules (RFC 6749 §3.1.2, RFC 8252 §7.3, RFC 9700 §4.1.3, RFC 9207 §2).

The module is pure: every rule is a table of strings in and a verdict out.
"""

from __future__ import annotations

import pytest

from oauth_provider.core.redirect_uris import (
    MAX_REDIRECT_URI_LENGTH,
    origin_error,
    redirect_uri_error,
    redirect_uri_matches,
    with_response_parameter,
)

SCHEMES = ("https", "com.example.app")


# --- registration: redirect_uri_error -------------------------------------------------

ACCEPTED = [
    "https://client.example/callback",
    "https://client.example/callback?tenant=1",
    "https://client.example:8443/callback",
    "HTTPS://client.example/callback",
    # RFC 8252 §7.3: loopback over http, any of the three spellings.
    "http://127.0.0.1/callback",
    "http://127.0.0.1:8080/callback",
    "http://[::1]/callback",
    "http://[::1]:8080/callback",
    "http://localhost/callback",
    # RFC 8252 §7.1: private-use URI scheme, when the site lists it.
    "com.example.app:/oauth2redirect",
    "com.example.app://oauth2redirect",
]


@pytest.mark.parametrize("uri", ACCEPTED)
def test_registrable_redirect_uris(uri):
    assert redirect_uri_error(uri, SCHEMES, allow_http_loopback=True) is None


REJECTED = [
    # (uri, words the message must contain)
    # http only on loopback (RFC 9700 §4.1.3 / RFC 8252 §8.3).
    ("http://client.example/callback", "non-loopback"),
    ("http://localhost.evil.example/callback", "non-loopback"),
    ("http://127.0.0.1.evil.example/callback", "non-loopback"),
    ("http://127.0.0.2/callback", "non-loopback"),
    ("http://[::ffff:127.0.0.1]/callback", "non-loopback"),
    # Schemes the site did not list.
    ("myapp://callback", "'myapp'"),
    ("javascript:alert(1)", "'javascript'"),
    ("data:text/html,hello", "'data'"),
    ("ftp://client.example/callback", "'ftp'"),
    # RFC 6749 §3.1.2: no fragment, not even an empty one.
    ("https://client.example/callback#frag", "fragment"),
    ("https://client.example/callback#", "fragment"),
    # RFC 9700 §4.1.3: exact matching, so no wildcards.
    ("https://*.client.example/callback", "wildcard"),
    ("https://client.example/*", "wildcard"),
    # User information disguises the host.
    ("https://a@evil.example/", "user information"),
    ("https://client.example:pw@evil.example/", "user information"),
    ("https://@evil.example/", "user information"),
    # Whitespace and control characters.
    ("https://client.example/call back", "characters"),
    (" https://client.example/callback", "characters"),
    ("https://client.example/callback\n", "characters"),
    ("https://client.example/call\tback", "characters"),
    ("https://client.example/callback\x00", "characters"),
    ("https://client.example/callback\x7f", "characters"),
    ("https://client.example/<script>", "characters"),
    ("https://client.example\\@evil.example/", "characters"),
    # Relative or schemeless references (RFC 6749 §3.1.2: absolute URI).
    ("/callback", "not an absolute URI"),
    ("client.example/callback", "not an absolute URI"),
    ("//client.example/callback", "not an absolute URI"),
    ("https:///callback", "no host"),
    # Length.
    ("", "between 1 and"),
    ("https://client.example/" + "a" * MAX_REDIRECT_URI_LENGTH, "between 1 and"),
    # Malformed authority: must be rejected, not raise (oauthlib CVE-2022-36087).
    ("https://[::1/callback", "not an absolute URI"),
    ("https://::1]/callback", "not an absolute URI"),
    ("https://client.example:99999/callback", "not an absolute URI"),
    ("https://client.example:port/callback", "not an absolute URI"),
    ("http://[fe80::1%25eth0]:80/", "non-loopback"),
]


@pytest.mark.parametrize(("uri", "words"), REJECTED)
def test_unregistrable_redirect_uris_are_rejected_with_a_message(uri, words):
    message = redirect_uri_error(uri, SCHEMES, allow_http_loopback=True)
    assert isinstance(message, str)
    assert words in message


def test_the_longest_allowed_redirect_uri_is_accepted():
    uri = "https://client.example/"
    uri += "a" * (MAX_REDIRECT_URI_LENGTH - len(uri))
    assert len(uri) == MAX_REDIRECT_URI_LENGTH
    assert redirect_uri_error(uri, SCHEMES, allow_http_loopback=True) is None


@pytest.mark.parametrize("uri", ["http://127.0.0.1/callback", "http://[::1]/callback", "http://localhost/cb"])
def test_loopback_http_is_refused_when_the_site_turns_it_off(uri):
    assert redirect_uri_error(uri, SCHEMES, allow_http_loopback=False) == (
        f"{uri!r} uses http; only https is allowed."
    )


def test_http_cannot_be_enabled_for_every_host_through_the_scheme_list():
    """Listing ``http`` does not lift the loopback-only rule (RFC 9700 §4.1.3)."""
    message = redirect_uri_error("http://client.example/cb", ("https", "http"), allow_http_loopback=True)
    assert "non-loopback" in message


def test_private_use_schemes_are_compared_case_insensitively():
    assert redirect_uri_error("COM.EXAMPLE.APP:/cb", SCHEMES, allow_http_loopback=True) is None
    assert redirect_uri_error("com.example.app:/cb", ("Com.Example.App",), allow_http_loopback=True) is None


def test_a_private_use_scheme_is_refused_when_not_listed():
    assert redirect_uri_error("com.example.app:/cb", ("https",), allow_http_loopback=True) == (
        "'com.example.app:/cb' uses the scheme 'com.example.app', which is not in "
        "ALLOWED_REDIRECT_URI_SCHEMES."
    )


# --- matching: redirect_uri_matches (RFC 9700 §4.1.3 exact string matching) -----------

REGISTERED = ["https://client.example/callback"]

NOT_MATCHING_HTTPS = [
    "https://client.example/callback/extra",  # prefix
    "https://client.example/callbac",  # shorter
    "https://client.example/callback/",  # trailing slash
    "https://client.example/callback?",  # empty query
    "https://client.example/callback?next=/admin",  # query added
    "https://client.example/callback#",  # empty fragment
    "https://client.example/callback#x",  # fragment
    "https://client.example/callback.evil.example",  # suffix
    "https://evil.client.example/callback",  # subdomain
    "https://client.example.evil.example/callback",  # host suffix
    "https://client.example/Callback",  # case in path
    "https://client.example/CALLBACK",
    "https://Client.Example/callback",  # case in host: still not the registered string
    "https://client.example/%63allback",  # percent-encoding variants
    "https://client.example/call%62ack",
    "https://client.example/callback%2F",
    "https://client.example//callback",
    "https://client.example/./callback",
    "https://client.example/x/../callback",
    "https://client.example:443/callback",  # default port spelled out
    "https://client.example:8443/callback",  # port change off loopback
    "https://a@client.example/callback",  # userinfo
    "https://client.example@evil.example/callback",
    "http://client.example/callback",  # scheme downgrade
    " https://client.example/callback",
    "https://client.example/callback ",
    "https://client.example/call\tback",
    "https://client.example/callback\x00",
    "",
]


@pytest.mark.parametrize("requested", NOT_MATCHING_HTTPS)
def test_only_the_exact_registered_string_matches(requested):
    assert redirect_uri_matches(requested, REGISTERED) is False


def test_the_exact_registered_string_matches():
    assert redirect_uri_matches("https://client.example/callback", REGISTERED) is True
    assert (
        redirect_uri_matches("https://b.example/cb", ["https://a.example/cb", "https://b.example/cb"]) is True
    )


def test_nothing_matches_an_empty_registration():
    assert redirect_uri_matches("https://client.example/callback", []) is False
    assert redirect_uri_matches("http://127.0.0.1:5000/callback", []) is False


LOOPBACK_REGISTERED = ["http://127.0.0.1/callback", "http://[::1]/callback", "http://localhost/cb?x=1"]

LOOPBACK_MATCHING = [
    "http://127.0.0.1/callback",
    "http://127.0.0.1:53124/callback",  # RFC 8252 §7.3: the port may vary
    "http://127.0.0.1:1/callback",
    "http://[::1]:53124/callback",
    "http://localhost:8000/cb?x=1",
]


@pytest.mark.parametrize("requested", LOOPBACK_MATCHING)
def test_loopback_redirect_uris_match_on_any_port(requested):
    """RFC 8252 §7.3: a native app picks its loopback port at run time."""
    assert redirect_uri_matches(requested, LOOPBACK_REGISTERED) is True


LOOPBACK_NOT_MATCHING = [
    "http://127.0.0.1:53124/callback/",  # different path
    "http://127.0.0.1:53124/other",
    "http://127.0.0.1:53124/Callback",
    "http://127.0.0.1:53124/%63allback",
    "http://127.0.0.1:53124/callback?x=1",  # different query
    "http://localhost:8000/cb",
    "http://localhost:8000/cb?x=2",
    "http://localhost:8000/cb?x=1&y=2",
    "http://127.0.0.1:53124/callback#x",  # fragment
    "http://localhost:53124/callback",  # another loopback spelling than registered
    "http://[::1]:53124/cb?x=1",
    "http://127.0.0.2:53124/callback",
    "http://localhost.evil.example:53124/cb?x=1",  # not loopback
    "http://localhost.evil.example/cb?x=1",
    "http://127.0.0.1.evil.example:53124/callback",
    "http://user@127.0.0.1:53124/callback",  # userinfo
    "http://user:pw@127.0.0.1:53124/callback",
    "http://@127.0.0.1:53124/callback",
    "http://127.0.0.1:53124@evil.example/callback",
    "http://127.0.0.1:port/callback",  # malformed port
    "http://[::1:53124/callback",  # malformed IPv6, must not raise
    "https://127.0.0.1:53124/callback",  # scheme change
]


@pytest.mark.parametrize("requested", LOOPBACK_NOT_MATCHING)
def test_only_the_port_of_a_loopback_redirect_uri_may_vary(requested):
    assert redirect_uri_matches(requested, LOOPBACK_REGISTERED) is False


LOOPBACK_NOT_EXACT = [
    # Each differs from the registered string by more than the port; the browser may
    # normalise some of them away, but RFC 9700 §4.1.3 asks for string comparison.
    "http://127.0.0.1:53124/call\tback",
    "http://127.0.0.1:53124/call\nback",
    "http://127.0.0.1:53124/callback\r",
    " http://127.0.0.1:53124/callback",
    "\x01http://127.0.0.1:53124/callback",
    "http://127.0.0.1:53124/callback#",
]


@pytest.mark.parametrize("requested", LOOPBACK_NOT_EXACT)
def test_loopback_matching_compares_the_string_not_a_parsed_form(requested):
    assert redirect_uri_matches(requested, ["http://127.0.0.1/callback"]) is False


def test_the_port_of_a_non_loopback_registration_may_not_vary():
    registered = ["https://client.example:8443/callback"]
    assert redirect_uri_matches("https://client.example:8443/callback", registered) is True
    assert redirect_uri_matches("https://client.example:9443/callback", registered) is False
    assert redirect_uri_matches("https://client.example/callback", registered) is False


def test_loopback_port_freedom_does_not_extend_to_https_on_loopback():
    """Only ``http`` loopback URIs are native-app listeners (RFC 8252 §7.3)."""
    assert redirect_uri_matches("https://127.0.0.1:8443/cb", ["https://127.0.0.1/cb"]) is False


# --- allowed origins (CORS): origin_error -------------------------------------------------

ORIGINS_ACCEPTED = [
    "https://spa.example",
    "https://spa.example:8443",
    "https://app.spa.example",
    "https://[2001:db8::1]",
    # http only on loopback, as for redirect URIs (RFC 8252 §8.3).
    "http://localhost:3000",
    "http://localhost",
    "http://127.0.0.1:5173",
    "http://[::1]:8080",
]


@pytest.mark.parametrize("origin", ORIGINS_ACCEPTED)
def test_registrable_origins(origin):
    assert origin_error(origin, allow_http_loopback=True) is None


ORIGINS_REJECTED = [
    # (origin, the exact message)
    (
        "https://spa.example/",
        "'https://spa.example/' has a path, query or fragment; an origin is scheme://host[:port] "
        "only, here 'https://spa.example'.",
    ),
    (
        "https://spa.example/app",
        "'https://spa.example/app' has a path, query or fragment; an origin is scheme://host[:port] "
        "only, here 'https://spa.example'.",
    ),
    (
        "https://spa.example?x=1",
        "'https://spa.example?x=1' has a path, query or fragment; an origin is scheme://host[:port] "
        "only, here 'https://spa.example'.",
    ),
    (
        "https://spa.example#top",
        "'https://spa.example#top' has a path, query or fragment; an origin is scheme://host[:port] "
        "only, here 'https://spa.example'.",
    ),
    (
        "https://spa.example#",
        "'https://spa.example#' has a path, query or fragment; an origin is scheme://host[:port] "
        "only, here 'https://spa.example'.",
    ),
    (
        "http://spa.example",
        "'http://spa.example' uses http on a non-loopback host; use https "
        "(http is allowed on 127.0.0.1, [::1] and localhost only).",
    ),
    (
        "http://localhost.evil.example",
        "'http://localhost.evil.example' uses http on a non-loopback host; use https "
        "(http is allowed on 127.0.0.1, [::1] and localhost only).",
    ),
    ("ftp://spa.example", "'ftp://spa.example' uses the scheme 'ftp'; an allowed origin must use https."),
    (
        "chrome-extension://abcdef",
        "'chrome-extension://abcdef' uses the scheme 'chrome-extension'; an allowed origin must use https.",
    ),
    (
        "spa.example",
        "'spa.example' is not an origin; write scheme://host[:port], for example 'https://app.example.com'.",
    ),
    (
        "null",
        "'null' is not an origin; write scheme://host[:port], for example 'https://app.example.com'.",
    ),
    (
        "https://",
        "'https://' is not an origin; write scheme://host[:port], for example 'https://app.example.com'.",
    ),
    (
        "https://spa.example:port",
        "'https://spa.example:port' is not an origin; write scheme://host[:port], for example "
        "'https://app.example.com'.",
    ),
    (
        "https://spa .example",
        "'https://spa .example' is not an origin; write scheme://host[:port], for example "
        "'https://app.example.com'.",
    ),
    ("https://*.spa.example", "'https://*.spa.example' has a wildcard; list each origin in full."),
    (
        "https://user@spa.example",
        "'https://user@spa.example' has user information; an origin is scheme://host[:port] only.",
    ),
    ("https://:443", "'https://:443' has no host."),
    (
        "https://Spa.Example",
        "'https://Spa.Example' has capital letters; browsers send 'https://spa.example'.",
    ),
    (
        "HTTPS://spa.example",
        "'HTTPS://spa.example' has capital letters; browsers send 'https://spa.example'.",
    ),
    (
        "https://spa.example:443",
        "'https://spa.example:443' names the default port; browsers send 'https://spa.example'.",
    ),
    ("http://[::1]:80", "'http://[::1]:80' names the default port; browsers send 'http://[::1]'."),
]


@pytest.mark.parametrize(("origin", "message"), ORIGINS_REJECTED)
def test_unregistrable_origins_are_rejected_with_a_message(origin, message):
    assert origin_error(origin, allow_http_loopback=True) == message


@pytest.mark.parametrize("origin", ["http://localhost:3000", "http://127.0.0.1", "http://[::1]:8080"])
def test_loopback_http_origins_are_refused_when_the_site_turns_it_off(origin):
    assert origin_error(origin, allow_http_loopback=False) == (
        f"{origin!r} uses http; only https origins are allowed."
    )


# --- RFC 9207 §2: with_response_parameter ----------------------------------------------

RESPONSE_PARAMETER = [
    # (redirect URI, result with iss=https://as.example)
    ("https://client.example/cb", "https://client.example/cb?iss=https%3A%2F%2Fas.example"),
    ("https://client.example/cb?a=1", "https://client.example/cb?a=1&iss=https%3A%2F%2Fas.example"),
    (
        "https://client.example/cb?a=1&a=2&b=",
        "https://client.example/cb?a=1&a=2&b=&iss=https%3A%2F%2Fas.example",
    ),
    # An earlier iss, e.g. injected by an attacker, is replaced: exactly one value.
    (
        "https://client.example/cb?iss=https://evil.example",
        "https://client.example/cb?iss=https%3A%2F%2Fas.example",
    ),
    (
        "https://client.example/cb?iss=x&a=1&iss=y",
        "https://client.example/cb?a=1&iss=https%3A%2F%2Fas.example",
    ),
    # Implicit responses carry parameters in the fragment (RFC 6749 §4.2.2).
    (
        "https://client.example/cb#access_token=t&state=s",
        "https://client.example/cb#access_token=t&state=s&iss=https%3A%2F%2Fas.example",
    ),
    (
        "https://client.example/cb?a=1#access_token=t&iss=x",
        "https://client.example/cb?a=1#access_token=t&iss=https%3A%2F%2Fas.example",
    ),
    ("http://127.0.0.1:5000/cb", "http://127.0.0.1:5000/cb?iss=https%3A%2F%2Fas.example"),
]


@pytest.mark.parametrize(("uri", "expected"), RESPONSE_PARAMETER)
def test_iss_is_added_to_the_authorization_response(uri, expected):
    assert with_response_parameter(uri, "iss", "https://as.example") == expected

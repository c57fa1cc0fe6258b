"""System checks: misconfiguration is reported with a stable id and a hint that says what to set.

Ids are listed on ``docs/checks.rst``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .core.claims import OPENID_SCOPE
from .core.grant_types import LEGACY_GRANT_TYPES, GrantType
from .core.issuer import issuer_problem, normalized_issuer
from .core.jose import ALGORITHMS
from .core.jwt_access_tokens import audience_error
from .core.redirect_uris import redirect_uri_error
from .core.scopes import invalid_scope_tokens
from .server.configuration import conflicting_settings
from .settings import provider_settings

# (middleware, id, what breaks without it)
REQUIRED_MIDDLEWARE = (
    (
        "django.contrib.sessions.middleware.SessionMiddleware",
        "oauth_provider.E004",
        "the authorization endpoint cannot keep the resource owner logged in",
    ),
    (
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "oauth_provider.E005",
        "the authorization endpoint cannot tell who the resource owner is",
    ),
    (
        "django.middleware.csrf.CsrfViewMiddleware",
        "oauth_provider.E006",
        "the consent form can be submitted cross-site",
    ),
)

SHORT_LIVED = "short-lived credentials limit the damage of a leak."
# (setting, largest sensible value, id, why) for lifetimes checked with --deploy
LIFETIME_LIMITS = (
    ("AUTHORIZATION_CODE_EXPIRE_SECONDS", 600, "oauth_provider.W003", SHORT_LIVED),
    ("ACCESS_TOKEN_EXPIRE_SECONDS", 24 * 3600, "oauth_provider.W004", SHORT_LIVED),
    (
        "ACCESS_TOKEN_CACHE_SECONDS",
        60,
        "oauth_provider.W006",
        "a revoked token stays usable that long in the processes that cached it.",
    ),
)


@register(Tags.security)
def check_django_oauth_toolkit_settings(app_configs: Any, **kwargs: Any) -> list:
    return [
        Error(
            f"{name} is set, but oauth_provider configures django-oauth-toolkit itself.",
            hint=f"Remove {name} from your settings and use the OAUTH_PROVIDER dict; see docs/settings.rst.",
            id="oauth_provider.E001",
        )
        for name in conflicting_settings()
    ]


@register()
def check_scopes_and_grants(app_configs: Any, **kwargs: Any) -> list:
    problems = []
    scopes = provider_settings.SCOPES
    bad = invalid_scope_tokens(scopes) if isinstance(scopes, dict) and scopes else ["<none>"]
    if bad:
        problems.append(
            Error(
                f"OAUTH_PROVIDER['SCOPES'] must be a non-empty dict of RFC 6749 §3.3 scope names; "
                f"bad: {bad}.",
                hint="Use names like 'read' or 'bookings:write' (no spaces, quotes or backslashes).",
                id="oauth_provider.E002",
            )
        )
    unknown = [s for s in provider_settings.DEFAULT_SCOPES if s != "__all__" and s not in scopes]
    unknown_grants = [g for g in provider_settings.GRANT_TYPES if g not in GrantType.values]
    if unknown or unknown_grants:
        problems.append(
            Error(
                f"Unknown default scopes {unknown} or grant types {unknown_grants}.",
                hint="DEFAULT_SCOPES must name keys of SCOPES; "
                f"GRANT_TYPES may hold {sorted(GrantType.values)}.",
                id="oauth_provider.E003",
            )
        )
    return problems


@register()
def check_middleware(app_configs: Any, **kwargs: Any) -> list:
    if provider_settings.RESOURCE_SERVER_JWKS_URL:
        # A separate resource server (docs/jwt.rst) serves no authorization endpoint.
        return []
    return [
        Error(f"{path} is not in MIDDLEWARE, so {why}.", hint=f"Add {path!r} to MIDDLEWARE.", id=check_id)
        for path, check_id, why in REQUIRED_MIDDLEWARE
        if path not in settings.MIDDLEWARE
    ]


@register(Tags.security)
def check_issuer(app_configs: Any, **kwargs: Any) -> list:
    """RFC 8414 §2: the issuer is an https URL with no query or fragment."""
    issuer = provider_settings.ISSUER
    if not issuer:
        return []
    problem = issuer_problem(str(issuer))
    if problem:
        return [
            Error(
                f"OAUTH_PROVIDER['ISSUER'] is not a valid issuer: {problem}",
                hint="Set it to your site's root URL, e.g. 'https://auth.example.com' "
                "(RFC 8414 §2: https, no query, no fragment).",
                id="oauth_provider.E007",
            )
        ]
    if normalized_issuer(str(issuer)).startswith("http://") and not settings.DEBUG:
        return [
            Warning(
                "OAUTH_PROVIDER['ISSUER'] uses http while DEBUG is off: tokens and codes "
                "would travel in clear text.",
                hint="Serve the site over https and set ISSUER to its https URL (RFC 8414 §2); "
                "http is for development only.",
                id="oauth_provider.W007",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_deploy(app_configs: Any, **kwargs: Any) -> list:
    problems = []
    if not provider_settings.ISSUER:
        problems.append(
            Warning(
                "OAUTH_PROVIDER['ISSUER'] is not set, so the issuer and every URL in the "
                "metadata come from each request's Host header.",
                hint="Set OAUTH_PROVIDER['ISSUER'] to your site's https root URL (RFC 8414 §2, RFC 9207).",
                id="oauth_provider.W001",
            )
        )
    if provider_settings.PKCE_PLAIN_ALLOWED:
        problems.append(
            Warning(
                "PKCE_PLAIN_ALLOWED is on: a code_challenge can be the verifier itself.",
                hint="Set OAUTH_PROVIDER['PKCE_PLAIN_ALLOWED'] = False; "
                "every current client library supports S256.",
                id="oauth_provider.W002",
            )
        )
    for name, limit, check_id, why in LIFETIME_LIMITS:
        if getattr(provider_settings, name) > limit:
            problems.append(
                Warning(
                    f"{name} is {getattr(provider_settings, name)} s, longer than {limit} s.",
                    hint=f"Lower OAUTH_PROVIDER[{name!r}]; {why}",
                    id=check_id,
                )
            )
    return problems


@register(Tags.database)
def check_legacy_grants(app_configs: Any, databases: Any = None, **kwargs: Any) -> list:
    """RFC 9700 §2.4 and §2.1.2: the password and implicit grants should not be used."""
    if not databases:
        return []
    from django.db import DatabaseError
    from oauth2_provider.models import get_application_model

    problems = []
    try:
        for grant in LEGACY_GRANT_TYPES:
            names = list(
                get_application_model()
                .objects.filter(is_active=True, grant_types__contains=grant)
                .values_list("client_id", flat=True)[:5]
            )
            if names and grant in provider_settings.GRANT_TYPES:
                problems.append(
                    Warning(
                        f"Active clients use the {grant} grant, "
                        f"which RFC 9700 says must not be used: {names}.",
                        hint=f"Move them to the authorization code grant with PKCE, or remove {grant!r} "
                        "from OAUTH_PROVIDER['GRANT_TYPES'] to turn it off site-wide.",
                        id="oauth_provider.W005",
                    )
                )
    except DatabaseError:
        return []
    return problems


def sqlite_problems(alias: str, database: dict[str, Any]) -> list[str]:
    """What a SQLite database's settings lack for concurrent requests (docs/installation.rst)."""
    name = str(database.get("NAME", ""))
    if "sqlite3" not in database.get("ENGINE", "") or name == ":memory:" or "mode=memory" in name:
        return []
    options = database.get("OPTIONS", {})
    problems = []
    if str(options.get("transaction_mode", "")).upper() != "IMMEDIATE":
        problems.append('"transaction_mode": "IMMEDIATE" (Django 5.1+)')
    if "journal_mode=wal" not in str(options.get("init_command", "")).replace(" ", "").lower():
        problems.append('"init_command": "PRAGMA journal_mode=WAL;"')
    return problems


@register()
def check_sqlite(app_configs: Any, **kwargs: Any) -> list:
    """SQLite serves concurrent requests well only with a write lock taken up front and WAL."""
    return [
        Warning(
            f"The SQLite database {alias!r} lacks the settings for concurrent requests: "
            f"{', '.join(problems)}. Parallel token requests can then fail with 503 "
            "('database is locked') instead of queueing.",
            hint=f"Add to DATABASES[{alias!r}]['OPTIONS']: {', '.join(problems)}, and a 'timeout' "
            "of 20 seconds; see the SQLite section of docs/installation.rst.",
            id="oauth_provider.W008",
        )
        for alias, database in settings.DATABASES.items()
        if (problems := sqlite_problems(alias, database))
    ]


@register(Tags.database)
def check_clients_of_disabled_grants(app_configs: Any, databases: Any = None, **kwargs: Any) -> list:
    """Clients registered for a grant the site does not allow are refused with
    ``unsupported_grant_type``; since the legacy grants left the default GRANT_TYPES, an
    upgrade must not break them silently."""
    if not databases:
        return []
    from django.db import DatabaseError
    from oauth2_provider.models import get_application_model

    problems = []
    try:
        for grant in GrantType.values:
            if grant in provider_settings.GRANT_TYPES:
                continue
            candidates = get_application_model().objects.filter(is_active=True, grant_types__contains=grant)
            names = [app.client_id for app in candidates.order_by("pk")[:50] if grant in app.grant_type_list]
            if not names:
                continue
            off_by_default = " (off by default, RFC 9700)" if grant in LEGACY_GRANT_TYPES else ""
            problems.append(
                Warning(
                    f"Active clients are registered for the {grant} grant, which "
                    f"OAUTH_PROVIDER['GRANT_TYPES'] does not allow{off_by_default}, so their requests "
                    f"for it fail with unsupported_grant_type: {names[:5]}.",
                    hint=f"Add {grant!r} to OAUTH_PROVIDER['GRANT_TYPES'] if these clients still need it, "
                    "or remove the grant from them.",
                    id="oauth_provider.W009",
                )
            )
    except DatabaseError:
        return []
    return problems


@register(Tags.security)
def check_signing_settings(app_configs: Any, **kwargs: Any) -> list[Any]:
    """The signing algorithms, the OpenID scopes and the rotation lead time (docs/oidc.rst)."""
    problems: list[Any] = []
    algorithms = provider_settings.SIGNING_ALGORITHMS
    unknown = [name for name in algorithms if name not in ALGORITHMS] if isinstance(algorithms, list) else []
    if not isinstance(algorithms, list) or not algorithms or unknown:
        problems.append(
            Error(
                f"OAUTH_PROVIDER['SIGNING_ALGORITHMS'] must be a non-empty list of {sorted(ALGORITHMS)}; "
                f"unknown: {unknown}.",
                hint="Use asymmetric algorithms only, e.g. ['RS256'] (RFC 8725 §3.1); "
                "HS256 would sign with a shared secret.",
                id="oauth_provider.E008",
            )
        )
    scopes = provider_settings.OIDC_SCOPES
    if provider_settings.OIDC_ENABLED and (
        not isinstance(scopes, dict) or OPENID_SCOPE not in scopes or invalid_scope_tokens(scopes)
    ):
        problems.append(
            Error(
                "OAUTH_PROVIDER['OIDC_SCOPES'] must be a dict of scope names that includes 'openid'.",
                hint="Keep 'openid' (OpenID Connect Core §3.1.2.1); remove only the scopes you do not offer.",
                id="oauth_provider.E009",
            )
        )
    lead = int(provider_settings.SIGNING_KEY_ROTATION_LEAD_SECONDS)
    needed = 2 * int(provider_settings.JWKS_MAX_AGE_SECONDS) + int(
        provider_settings.SIGNING_KEY_CACHE_SECONDS
    )
    if lead < needed:
        problems.append(
            Warning(
                f"SIGNING_KEY_ROTATION_LEAD_SECONDS ({lead} s) is shorter than a cached JWKS document can "
                f"live ({needed} s): a relying party may get a token signed by a key it has not fetched.",
                hint=f"Set OAUTH_PROVIDER['SIGNING_KEY_ROTATION_LEAD_SECONDS'] to at least {needed}, or "
                "lower JWKS_MAX_AGE_SECONDS.",
                id="oauth_provider.W011",
            )
        )
    return problems


@register(Tags.database)
def check_signing_keys(app_configs: Any, databases: Any = None, **kwargs: Any) -> list:
    """With OpenID Connect on, every signing algorithm needs a key that signs now."""
    if not databases or not provider_settings.OIDC_ENABLED:
        return []
    from django.db import DatabaseError

    from .storage import signing_keys

    missing = []
    try:
        for algorithm in provider_settings.SIGNING_ALGORITHMS:
            try:
                signing_keys.signing_key(algorithm)
            except signing_keys.NoSigningKey:
                missing.append(algorithm)
    except DatabaseError:
        return []
    if not missing:
        return []
    return [
        Warning(
            f"OpenID Connect is on, but no key signs for {missing}: ID tokens cannot be issued.",
            hint="Run `manage.py oauth_provider_rotate_keys` (and from cron, daily); see docs/oidc.rst.",
            id="oauth_provider.W010",
        )
    ]


def pooler_problem(database: dict[str, Any]) -> str | None:
    """What psycopg would prepare on a PostgreSQL database behind a transaction-mode pooler
    (Django's ``DISABLE_SERVER_SIDE_CURSORS``) that is not said to keep prepared statements:
    ``"every"`` query (``server_side_binding``), ``"none of ours"`` (``prepare_threshold``
    alone: the package's statements are then not prepared), or None."""
    if "postgresql" not in database.get("ENGINE", "") or not database.get("DISABLE_SERVER_SIDE_CURSORS"):
        return None
    if provider_settings.POOLER_KEEPS_PREPARED_STATEMENTS:
        return None
    options = database.get("OPTIONS", {})
    if options.get("prepare_threshold") is None:
        return None
    return "every" if options.get("server_side_binding") is True else "none of ours"


@register()
def check_pooler(app_configs: Any, **kwargs: Any) -> list:
    """Prepared statements behind a transaction-mode pooler (docs/deployment.rst): each
    transaction may run on a server connection that never saw the statement prepared."""
    problems: list = []
    for alias, database in settings.DATABASES.items():
        problem = pooler_problem(database)
        if problem == "every":
            problems.append(
                Error(
                    f"DATABASES[{alias!r}] is behind a transaction-mode pooler "
                    "(DISABLE_SERVER_SIDE_CURSORS) and psycopg prepares every query on it "
                    "(server_side_binding with prepare_threshold): queries fail once the "
                    "pooler hands a transaction another server connection.",
                    hint="Remove 'server_side_binding' and 'prepare_threshold' from its OPTIONS, or, "
                    "if the pooler keeps prepared statements (PgBouncer 1.21+ with "
                    "max_prepared_statements above 0), set "
                    "OAUTH_PROVIDER['POOLER_KEEPS_PREPARED_STATEMENTS'] = True.",
                    id="oauth_provider.E010",
                )
            )
        elif problem:
            problems.append(
                Warning(
                    f"DATABASES[{alias!r}] sets prepare_threshold but is behind a transaction-mode "
                    "pooler (DISABLE_SERVER_SIDE_CURSORS): oauth_provider prepares none of its "
                    "statements there.",
                    hint="Remove 'prepare_threshold' from its OPTIONS, or, if the pooler keeps "
                    "prepared statements (PgBouncer 1.21+ with max_prepared_statements above 0), set "
                    "OAUTH_PROVIDER['POOLER_KEEPS_PREPARED_STATEMENTS'] = True.",
                    id="oauth_provider.W012",
                )
            )
    return problems


METRICS_MIDDLEWARE = "oauth_provider.ops.metrics.MetricsMiddleware"


@register()
def check_metrics(app_configs: Any, **kwargs: Any) -> list:
    """The metrics middleware is in place, but nothing would be collected."""
    if METRICS_MIDDLEWARE not in settings.MIDDLEWARE:
        return []
    from .ops.metrics import prometheus_available

    if provider_settings.METRICS and prometheus_available():
        return []
    return [
        Warning(
            f"{METRICS_MIDDLEWARE} is in MIDDLEWARE, but no metrics are collected: "
            + (
                "prometheus-client is not installed."
                if provider_settings.METRICS
                else "OAUTH_PROVIDER['METRICS'] is False."
            ),
            hint="Install prometheus-client (the package's 'metrics' extra) and leave "
            "OAUTH_PROVIDER['METRICS'] at True, or remove the middleware.",
            id="oauth_provider.W013",
        )
    ]


def _audience_problems(name: str) -> list[str]:
    value = getattr(provider_settings, name)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        return [f"OAUTH_PROVIDER[{name!r}] must be a URI, a non-empty list of URIs, or None."]
    errors = (audience_error(str(uri)) for uri in value)
    return [f"OAUTH_PROVIDER[{name!r}]: {error}" for error in errors if error]


@register(Tags.security)
def check_jwt_access_tokens(app_configs: Any, **kwargs: Any) -> list:
    """JWT access tokens (docs/jwt.rst): what the issuer and the resource servers need."""
    problems: list[Any] = []
    jwt_on = provider_settings.RESOURCE_SERVER_JWT
    if jwt_on and not (provider_settings.RESOURCE_SERVER_JWT_ISSUER or provider_settings.ISSUER):
        problems.append(
            Error(
                "RESOURCE_SERVER_JWT is on, but the issuer that JWT access tokens must name is unknown.",
                hint="Set OAUTH_PROVIDER['RESOURCE_SERVER_JWT_ISSUER'] (or 'ISSUER' on the authorization "
                "server's own site) to the authorization server's issuer identifier.",
                id="oauth_provider.E020",
            )
        )
    # RESOURCE_SERVER_AUDIENCE is checked with the resource indicators (E051).
    messages = _audience_problems("JWT_ACCESS_TOKEN_DEFAULT_AUDIENCE")
    unknown = [alg for alg in provider_settings.RESOURCE_SERVER_JWT_ALGORITHMS or [] if alg not in ALGORITHMS]
    if unknown:
        messages.append(f"OAUTH_PROVIDER['RESOURCE_SERVER_JWT_ALGORITHMS'] has unsupported {unknown}.")
    for message in messages:
        problems.append(
            Error(
                message,
                hint=f"Audiences are absolute URIs without a fragment (RFC 8707 §2); algorithms are "
                f"among {', '.join(ALGORITHMS)}.",
                id="oauth_provider.E021",
            )
        )
    alias = provider_settings.JWT_DENYLIST_CACHE_ALIAS
    if alias and alias not in settings.CACHES:
        problems.append(
            Error(
                f"OAUTH_PROVIDER['JWT_DENYLIST_CACHE_ALIAS'] is {alias!r}, which is not in CACHES.",
                hint="Name a cache shared by the authorization server and the resource servers (Redis).",
                id="oauth_provider.E022",
            )
        )
    url = provider_settings.RESOURCE_SERVER_JWKS_URL
    if jwt_on and url and redirect_uri_error(str(url), ["https"], True):
        problems.append(
            Warning(
                f"RESOURCE_SERVER_JWKS_URL {str(url)[:100]!r} is not an https URL: whoever can change "
                "the keys in transit can sign access tokens for this resource server.",
                hint="Use the authorization server's https jwks_uri (http only on loopback).",
                id="oauth_provider.W020",
            )
        )
    return problems


@register(Tags.security, deploy=True)
def check_jwt_lifetime(app_configs: Any, **kwargs: Any) -> list:
    """A long-lived JWT access token without the denylist cannot be revoked in time."""
    lifetime = int(provider_settings.JWT_ACCESS_TOKEN_EXPIRE_SECONDS)
    if lifetime <= 900 or provider_settings.JWT_DENYLIST_CACHE_ALIAS:
        return []
    return [
        Warning(
            f"JWT_ACCESS_TOKEN_EXPIRE_SECONDS is {lifetime}: a revoked JWT access token stays usable at "
            "resource servers that long.",
            hint="Keep it at 900 or less (default 300), or set OAUTH_PROVIDER['JWT_DENYLIST_CACHE_ALIAS'].",
            id="oauth_provider.W021",
        )
    ]


def _resource_problems() -> list[tuple[str, str]]:
    """(setting, problem) for each malformed resource identifier (RFC 8707 §2)."""
    from .core.resources import resource_uri_problem

    found: list[tuple[str, str]] = []
    resources = provider_settings.RESOURCES
    if not isinstance(resources, (list, tuple)) or not all(isinstance(r, str) for r in resources):
        return [("RESOURCES", "RESOURCES must be a list of URIs.")]
    for resource in resources:
        problem = resource_uri_problem(resource)
        if problem:
            found.append(("RESOURCES", problem))
    audience = provider_settings.RESOURCE_SERVER_AUDIENCE
    if audience is not None:
        audiences = [audience] if isinstance(audience, str) else audience
        if not isinstance(audiences, (list, tuple)) or not audiences:
            found.append(("RESOURCE_SERVER_AUDIENCE", "It must be a URI or a non-empty list of URIs."))
        else:
            for value in audiences:
                problem = resource_uri_problem(value) if isinstance(value, str) else "It must be a URI."
                if problem:
                    found.append(("RESOURCE_SERVER_AUDIENCE", problem))
    return found


# (condition, message, hint, id) for dynamic registration and client metadata documents.
def _registration_rules() -> list[tuple[bool, str, str, str]]:
    from .server.registration import MODES

    mode = provider_settings.DYNAMIC_REGISTRATION
    grant_types = provider_settings.REGISTRATION_GRANT_TYPES
    outside = [g for g in grant_types if g not in provider_settings.GRANT_TYPES or g in LEGACY_GRANT_TYPES]
    return [
        (
            mode is not None and mode not in MODES,
            f"OAUTH_PROVIDER['DYNAMIC_REGISTRATION'] is {mode!r}.",
            f"Set it to None (off) or one of: {', '.join(repr(m) for m in MODES)}.",
            "oauth_provider.E052",
        ),
        (
            bool(outside),
            f"OAUTH_PROVIDER['REGISTRATION_GRANT_TYPES'] names {', '.join(map(str, outside))}, which "
            "self-registered clients cannot use (not in GRANT_TYPES, or a legacy grant).",
            "List only grant types from GRANT_TYPES, without password and implicit.",
            "oauth_provider.E053",
        ),
        (
            bool(provider_settings.CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE_ADDRESSES)
            and not settings.DEBUG,
            "OAUTH_PROVIDER['CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE_ADDRESSES'] is on outside DEBUG: any "
            "client can make this server fetch URLs on its private network.",
            "Turn it off; it is for development only.",
            "oauth_provider.W050",
        ),
    ]


#: (setting, largest sensible value, why) for the device grant, checked with --deploy.
DEVICE_GRANT_LIMITS = (
    ("DEVICE_CODE_EXPIRE_SECONDS", 1800, "a user code that lives longer can be guessed for longer."),
    ("DEVICE_USER_CODE_ATTEMPTS", 10, "more wrong user codes per window make guessing one likelier."),
)


@register(Tags.security, deploy=True)
def check_device_grant(app_configs: Any, **kwargs: Any) -> list:
    """RFC 8628 §5.1: user codes are short, so they must be short-lived and rate limited."""
    if GrantType.DEVICE_CODE.value not in provider_settings.GRANT_TYPES:
        return []
    return [
        Warning(
            f"{name} is {getattr(provider_settings, name)}, more than {limit}, while the device grant is on.",
            hint=f"Lower OAUTH_PROVIDER[{name!r}] (RFC 8628 §5.1): {why}",
            id="oauth_provider.W030",
        )
        for name, limit, why in DEVICE_GRANT_LIMITS
        if int(getattr(provider_settings, name)) > limit
    ]


@register(Tags.database)
def check_client_lifetimes(app_configs: Any, databases: Any = None, **kwargs: Any) -> list:
    """A client's own access token lifetime above the limit W004 applies to the site's."""
    if not databases:
        return []
    from django.db import DatabaseError
    from oauth2_provider.models import get_application_model

    limit = dict((name, value) for name, value, _, _ in LIFETIME_LIMITS)["ACCESS_TOKEN_EXPIRE_SECONDS"]
    try:
        long_lived = get_application_model().objects.filter(is_active=True, access_token_lifetime__gt=limit)
        names = list(long_lived.order_by("pk").values_list("client_id", flat=True)[:5])
    except DatabaseError:
        return []
    if not names:
        return []
    return [
        Warning(
            f"Active clients have an access token lifetime longer than {limit} s: {names}.",
            hint="Lower their access token lifetime in the admin or with oauth_provider_create_client "
            "--update-if-exists --access-token-lifetime; short-lived credentials limit the damage of a leak.",
            id="oauth_provider.W031",
        )
    ]


@register(Tags.security)
def check_resources_and_registration(app_configs: Any, **kwargs: Any) -> list:
    """Resource indicators (RFC 8707), dynamic registration (RFC 7591), client ID metadata documents."""
    problems: list = [
        Error(
            f"OAUTH_PROVIDER[{setting!r}]: {problem}",
            hint="Resource identifiers are absolute URIs with a host and no fragment, e.g. "
            "'https://api.example.com/mcp' (RFC 8707 §2).",
            id="oauth_provider.E050" if setting == "RESOURCES" else "oauth_provider.E051",
        )
        for setting, problem in _resource_problems()
    ]
    for failed, message, hint, check_id in _registration_rules():
        if failed:
            kind = Warning if ".W" in check_id else Error
            problems.append(kind(message, hint=hint, id=check_id))
    return problems


@register(Tags.security)
def check_dpop_cache(app_configs: Any, **kwargs: Any) -> list:
    """RFC 9449 §11.1: a proof's jti is remembered in a cache every server shares."""
    if not provider_settings.DPOP_ENABLED:
        return []
    alias = provider_settings.DPOP_CACHE_ALIAS
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "") if alias in settings.CACHES else ""
    if not backend:
        return [
            Error(
                f"DPOP_CACHE_ALIAS names {alias!r}, which is not in CACHES.",
                hint="Set OAUTH_PROVIDER['DPOP_CACHE_ALIAS'] to a cache every server shares, e.g. Redis.",
                id="oauth_provider.E030",
            )
        ]
    if backend.endswith("DummyCache"):
        return [
            Error(
                f"DPoP proofs' jti are kept in {alias!r}, a DummyCache: replayed proofs are accepted.",
                hint="Point OAUTH_PROVIDER['DPOP_CACHE_ALIAS'] at a cache every server shares, e.g. Redis.",
                id="oauth_provider.E030",
            )
        ]
    if backend.endswith(("LocMemCache", "FileBasedCache")):
        return [
            Warning(
                f"DPoP proofs' jti are kept in the cache {alias!r}, which other processes do not share: "
                "a proof replayed to another process is accepted.",
                hint="Use a cache every server and worker shares (Redis or Memcached) for "
                "OAUTH_PROVIDER['DPOP_CACHE_ALIAS'], unless the site runs one process.",
                id="oauth_provider.W032",
            )
        ]
    return []

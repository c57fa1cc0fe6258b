"""The client (RFC 6749 §2): one Application may hold several grant types at once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.generators import generate_client_id, generate_client_secret
from oauth2_provider.models import AbstractApplication, ApplicationManager

from ...core.claims import sector_identifier
from ...core.grant_types import DOT_GRANT_NAMES, REDIRECT_GRANT_TYPES, GrantType
from ...core.hashing import hash_client_secret, is_hashed_secret
from ...core.jose import ALGORITHMS
from ...core.jwt_access_tokens import audience_error
from ...core.redirect_uris import origin_error, redirect_schemes, redirect_uri_error, redirect_uri_matches
from ...core.resources import parse_resources, resource_uri_problem, site_resources
from ...core.scopes import invalid_scope_tokens, known_scopes, parse_scope
from ...settings import provider_settings

__all__ = [
    "ACCESS_TOKEN_JWT",
    "ACCESS_TOKEN_OPAQUE",
    "SUBJECT_PAIRWISE",
    "SUBJECT_PUBLIC",
    "Application",
    "HashedSecretField",
]


class HashedSecretField(models.CharField):
    """Stores only the keyed hash of a client secret; the plaintext is kept on the
    instance as ``plaintext_client_secret`` after the first save, to be shown once.

    A value that already looks like a stored hash (``hmac-sha256$…`` or a Django
    password hash) is saved as it is, so an existing hash can be copied in. A secret
    someone chose could look like one too: set secrets with
    :meth:`Application.set_client_secret`, which hashes whatever it is given.
    """

    def pre_save(self, model_instance: Any, add: bool) -> str:
        value = getattr(model_instance, self.attname) or ""
        if model_instance.client_type == AbstractApplication.CLIENT_PUBLIC:
            value = ""
            model_instance.plaintext_client_secret = None
        elif value and not is_hashed_secret(value):
            model_instance.plaintext_client_secret = value
            value = hash_client_secret(value)
        setattr(model_instance, self.attname, value)
        return value


SUBJECT_PUBLIC = "public"
SUBJECT_PAIRWISE = "pairwise"

#: Access token formats (docs/jwt.rst): a random string checked against the database, or
#: a JWT (RFC 9068) that resource servers verify with the published keys.
ACCESS_TOKEN_OPAQUE = "opaque"
ACCESS_TOKEN_JWT = "jwt"


class Application(AbstractApplication):
    """A registered client."""

    # Replaced by `grant_types`, which can hold several.
    authorization_grant_type = None  # type: ignore[assignment]
    # Secrets are always hashed here (see hashing.py); the toggle is meaningless.
    hash_client_secret = None  # type: ignore[assignment]

    client_secret = HashedSecretField(
        max_length=255,
        blank=True,
        default=generate_client_secret,
        help_text=_("Stored as a keyed hash; the secret is shown once, when it is generated."),
        verbose_name=_("client secret"),
    )
    grant_types = models.CharField(
        max_length=255,
        default=GrantType.AUTHORIZATION_CODE,
        help_text=_("Space-separated grant types this client may use."),
        verbose_name=_("grant types"),
    )
    client_id = models.CharField(
        max_length=255,
        unique=True,
        default=generate_client_id,
        db_index=True,
        help_text=_("Generated, or the URL of the client's metadata document."),
        verbose_name=_("client id"),
    )
    allowed_resources = models.TextField(
        blank=True,
        help_text=_(
            "Space-separated resource URIs (RFC 8707) this client may get tokens for; empty means "
            "every one in OAUTH_PROVIDER['RESOURCES']."
        ),
        verbose_name=_("allowed resources"),
    )
    registration_access_token = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        db_index=True,
        help_text=_("SHA-256 of the token that manages this registration (RFC 7592); never the token."),
        verbose_name=_("registration access token"),
    )
    allowed_scopes = models.TextField(
        blank=True,
        help_text=_("Space-separated scopes this client may request; empty means every scope."),
        verbose_name=_("allowed scopes"),
    )
    previous_client_secret = models.CharField(
        max_length=255,
        blank=True,
        editable=False,
        help_text=_("Hash of the secret before the last rotation, accepted until it expires."),
        verbose_name=_("previous client secret"),
    )
    previous_client_secret_expires = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("previous client secret expires")
    )
    description = models.TextField(blank=True, verbose_name=_("description"))
    homepage_url = models.URLField(blank=True, verbose_name=_("homepage URL"))
    logo_url = models.URLField(
        blank=True, help_text=_("Shown on the consent page."), verbose_name=_("logo URL")
    )
    is_active = models.BooleanField(
        default=True,
        help_text=_("An inactive client can neither get nor use tokens."),
        verbose_name=_("active"),
    )
    # OpenID Connect (docs/oidc.rst). HS256 is not offered: it would sign with the client
    # secret, which is stored only as a hash here.
    algorithm = models.CharField(
        max_length=5,
        blank=True,
        default="",
        choices=[("", _("The server's default"))] + [(name, name) for name in ALGORITHMS],
        help_text=_("The algorithm of this client's ID tokens; one of SIGNING_ALGORITHMS."),
        verbose_name=_("ID token signing algorithm"),
    )
    subject_type = models.CharField(
        max_length=8,
        default=SUBJECT_PUBLIC,
        choices=[(SUBJECT_PUBLIC, _("Public")), (SUBJECT_PAIRWISE, _("Pairwise"))],
        help_text=_(
            "Pairwise: the client sees an identifier for each user that no client of another "
            "sector sees (OpenID Connect Core §8)."
        ),
        verbose_name=_("subject type"),
    )
    sector_identifier = models.CharField(
        max_length=255,
        blank=True,
        help_text=_(
            "Host that pairwise identifiers are computed for; empty means the host of the redirect URIs."
        ),
        verbose_name=_("sector identifier"),
    )
    post_logout_redirect_uris = models.TextField(
        blank=True,
        help_text=_("Space-separated URIs the client may send the owner back to after logging out."),
        verbose_name=_("post-logout redirect URIs"),
    )
    first_party = models.BooleanField(
        default=False,
        help_text=_("Run by this site: a sign-in asking for the openid scope alone skips the consent page."),
        verbose_name=_("first party"),
    )
    can_introspect_any_token = models.BooleanField(
        default=False,
        help_text=_("Resource servers only: may introspect tokens issued to other clients (RFC 7662)."),
        verbose_name=_("may introspect any token"),
    )

    access_token_format = models.CharField(
        max_length=8,
        default=ACCESS_TOKEN_OPAQUE,
        choices=[(ACCESS_TOKEN_OPAQUE, _("Opaque")), (ACCESS_TOKEN_JWT, _("JWT (RFC 9068)"))],
        help_text=_(
            "JWT: resource servers verify this client's access tokens with the published keys, "
            "without asking this server; a revocation reaches them only through the denylist or "
            "when the token expires (docs/jwt.rst)."
        ),
        verbose_name=_("access token format"),
    )
    access_token_audience = models.TextField(
        blank=True,
        help_text=_(
            "Space-separated URIs of the resource servers this client's JWT access tokens are for "
            "(their aud claim); empty means JWT_ACCESS_TOKEN_DEFAULT_AUDIENCE."
        ),
        verbose_name=_("access token audience"),
    )
    require_pushed_authorization_requests = models.BooleanField(
        default=False,
        help_text=_(
            "Accept authorization requests from this client only through the PAR endpoint (RFC 9126 §6); "
            "needs PUSHED_AUTHORIZATION_REQUESTS on."
        ),
        verbose_name=_("require pushed authorization requests"),
    )
    dpop_bound_access_tokens = models.BooleanField(
        default=False,
        help_text=_(
            "Issue this client DPoP-bound tokens only: a token request without a DPoP proof is refused "
            "(RFC 9449 §5.2); needs DPOP_ENABLED on."
        ),
        verbose_name=_("require DPoP"),
    )
    token_exchange_audiences = models.TextField(
        blank=True,
        help_text=_(
            "Token exchange (RFC 8693): space-separated audiences this client may exchange access tokens "
            "for, e.g. the client ids of the services it calls. Empty: none."
        ),
        verbose_name=_("token exchange audiences"),
    )
    # Per-client lifetimes in seconds; empty means the site's setting (docs/lifetimes.rst).
    access_token_lifetime = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Seconds an access token lives; empty: ACCESS_TOKEN_EXPIRE_SECONDS."),
        verbose_name=_("access token lifetime"),
    )
    refresh_token_lifetime = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "Seconds a refresh token may be used after it was issued (each rotation issues a new "
            "one); empty: REFRESH_TOKEN_EXPIRE_SECONDS."
        ),
        verbose_name=_("refresh token lifetime"),
    )
    refresh_token_absolute_lifetime = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "Seconds a chain of refreshed tokens may last from the owner's grant, however often it is "
            "refreshed; empty: REFRESH_TOKEN_ABSOLUTE_EXPIRE_SECONDS."
        ),
        verbose_name=_("refresh token absolute lifetime"),
    )
    authorization_code_lifetime = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Seconds an authorization code lives; empty: AUTHORIZATION_CODE_EXPIRE_SECONDS."),
        verbose_name=_("authorization code lifetime"),
    )

    objects = ApplicationManager()

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = _("application")

    plaintext_client_secret: str | None = None

    def natural_key(self) -> tuple[str]:
        return (self.client_id,)

    def lifetime(self, name: str) -> int:
        """Seconds that ``name`` ("access_token", "refresh_token", "refresh_token_absolute" or
        "authorization_code") lives for this client: its own value, else the site's setting
        (0 for none)."""
        own = getattr(self, f"{name}_lifetime")
        if own is not None:
            return int(own)
        return int(getattr(provider_settings, f"{name.upper()}_EXPIRE_SECONDS") or 0)

    def set_client_secret(self, secret: str) -> None:
        """Store the hash of ``secret``, whatever it looks like, and keep the plaintext on
        the instance to be shown once; takes effect on the next ``save()``."""
        self.client_secret = hash_client_secret(secret)
        self.plaintext_client_secret = secret

    @property
    def grant_type_list(self) -> list[str]:
        return parse_scope(self.grant_types)

    @property
    def allowed_scope_list(self) -> list[str]:
        return parse_scope(self.allowed_scopes)

    @property
    def token_exchange_audience_list(self) -> list[str]:
        return self.token_exchange_audiences.split()

    @property
    def redirect_uri_list(self) -> list[str]:
        return self.redirect_uris.split()

    @property
    def allowed_resource_list(self) -> list[str]:
        return parse_resources(self.allowed_resources)

    @property
    def allowed_origin_list(self) -> list[str]:
        return self.allowed_origins.split()

    @property
    def post_logout_redirect_uri_list(self) -> list[str]:
        return self.post_logout_redirect_uris.split()

    def post_logout_redirect_uri_allowed(self, uri: str) -> bool:
        """OpenID Connect RP-Initiated Logout §3: exact match with a registered URI."""
        return redirect_uri_matches(uri, self.post_logout_redirect_uri_list)

    @property
    def access_token_audience_list(self) -> list[str]:
        return self.access_token_audience.split()

    @property
    def issues_jwt_access_tokens(self) -> bool:
        return self.access_token_format == ACCESS_TOKEN_JWT

    @property
    def is_confidential(self) -> bool:
        return self.client_type == self.CLIENT_CONFIDENTIAL

    def has_grant_type(self, grant_type: str) -> bool:
        """True if the client is registered for ``grant_type`` and the site allows it."""
        return grant_type in self.grant_type_list and grant_type in provider_settings.GRANT_TYPES

    def allows_grant_type(self, *grant_types: str) -> bool:
        return any(self.has_grant_type(DOT_GRANT_NAMES.get(name, name)) for name in grant_types)

    def redirect_uri_allowed(self, uri: str) -> bool:
        return redirect_uri_matches(uri, self.redirect_uri_list)

    def get_allowed_schemes(self) -> list[str]:
        return redirect_schemes()

    def is_usable(self, request: Any) -> bool:
        return self.is_active

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        unknown = [g for g in self.grant_type_list if g not in GrantType.values]
        if unknown:
            errors.setdefault("grant_types", []).append(f"Unknown grant types: {', '.join(unknown)}.")
        if not self.grant_type_list:
            errors.setdefault("grant_types", []).append("Choose at least one grant type.")
        if self.client_type == self.CLIENT_PUBLIC:
            for grant in (GrantType.CLIENT_CREDENTIALS, GrantType.TOKEN_EXCHANGE):
                if grant in self.grant_type_list:
                    errors.setdefault("grant_types", []).append(
                        f"A public client cannot use {grant}: it has no secret to authenticate with."
                    )
        for uri in self.redirect_uri_list:
            message = redirect_uri_error(
                uri,
                provider_settings.ALLOWED_REDIRECT_URI_SCHEMES,
                provider_settings.ALLOW_HTTP_LOOPBACK_REDIRECT_URIS,
            )
            if message:
                errors.setdefault("redirect_uris", []).append(message)
        if not self.redirect_uri_list and REDIRECT_GRANT_TYPES & set(self.grant_type_list):
            errors.setdefault("redirect_uris", []).append(
                "The authorization code and implicit grants need at least one redirect URI."
            )
        for uri in self.post_logout_redirect_uri_list:
            message = redirect_uri_error(
                uri,
                provider_settings.ALLOWED_REDIRECT_URI_SCHEMES,
                provider_settings.ALLOW_HTTP_LOOPBACK_REDIRECT_URIS,
            )
            if message:
                errors.setdefault("post_logout_redirect_uris", []).append(message)
        if self.algorithm and self.algorithm not in provider_settings.SIGNING_ALGORITHMS:
            errors.setdefault("algorithm", []).append(
                f"{self.algorithm} is not in OAUTH_PROVIDER['SIGNING_ALGORITHMS']: "
                "the server keeps no key for it."
            )
        if self.subject_type == SUBJECT_PAIRWISE:
            if not provider_settings.PAIRWISE_SUBJECT_KEY:
                errors.setdefault("subject_type", []).append(
                    "Pairwise subjects need OAUTH_PROVIDER['PAIRWISE_SUBJECT_KEY'] to be set."
                )
            if sector_identifier(self.sector_identifier, self.redirect_uri_list) is None:
                errors.setdefault("sector_identifier", []).append(
                    "The redirect URIs have several hosts: set the sector identifier "
                    "(OpenID Connect Core §8.1)."
                )
        for uri in self.access_token_audience_list:
            message = audience_error(uri)
            if message:
                errors.setdefault("access_token_audience", []).append(message)
        for origin in self.allowed_origin_list:
            message = origin_error(origin, provider_settings.ALLOW_HTTP_LOOPBACK_REDIRECT_URIS)
            if message:
                errors.setdefault("allowed_origins", []).append(message)
        for resource in self.allowed_resource_list:
            message = resource_uri_problem(resource)
            if not message and resource not in site_resources():
                message = f"{resource} is not in OAUTH_PROVIDER['RESOURCES']."
            if message:
                errors.setdefault("allowed_resources", []).append(message)
        if self.authorization_code_lifetime is not None and not 1 <= self.authorization_code_lifetime <= 600:
            errors.setdefault("authorization_code_lifetime", []).append(
                "An authorization code lives 1 to 600 seconds (RFC 6749 §4.1.2: at most 10 minutes)."
            )
        for name in ("access_token_lifetime", "refresh_token_lifetime", "refresh_token_absolute_lifetime"):
            if getattr(self, name) == 0:
                errors.setdefault(name, []).append("Leave it empty for the site's default; 0 is no lifetime.")
        bad = invalid_scope_tokens(self.allowed_scope_list)
        unknown_scopes = [s for s in self.allowed_scope_list if s not in known_scopes()]
        if bad or unknown_scopes:
            errors.setdefault("allowed_scopes", []).append(
                f"Unknown scopes: {', '.join(bad + unknown_scopes)}. Known scopes are set in "
                "OAUTH_PROVIDER['SCOPES']."
            )
        if errors:
            raise ValidationError(errors)

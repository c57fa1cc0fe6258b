"""The client (RFC 6749 §2): one Application may hold several grant types at once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider import models as dot_models
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import ApplicationManager

from ...core.claims import sector_identifier
from ...core.grant_types import DOT_GRANT_NAMES, REDIRECT_GRANT_TYPES, GrantType
from ...core.hashing import hash_client_secret, is_hashed_secret
from ...core.jose import ALGORITHMS
from ...core.redirect_uris import origin_error, redirect_schemes, redirect_uri_error, redirect_uri_matches
from ...core.scopes import invalid_scope_tokens, known_scopes, parse_scope
from ...settings import provider_settings

__all__ = [
    "SUBJECT_PAIRWISE",
    "SUBJECT_PUBLIC",
    "AbstractApplication",
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
        if model_instance.client_type == dot_models.AbstractApplication.CLIENT_PUBLIC:
            value = ""
            model_instance.plaintext_client_secret = None
        elif value and not is_hashed_secret(value):
            model_instance.plaintext_client_secret = value
            value = hash_client_secret(value)
        setattr(model_instance, self.attname, value)
        return value


SUBJECT_PUBLIC = "public"
SUBJECT_PAIRWISE = "pairwise"


class AbstractApplication(dot_models.AbstractApplication):
    """A registered client; subclass it to add fields (docs/extending.rst)."""

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

    objects = ApplicationManager()

    class Meta(dot_models.AbstractApplication.Meta):
        abstract = True
        verbose_name = _("application")

    plaintext_client_secret: str | None = None

    def natural_key(self) -> tuple[str]:
        return (self.client_id,)

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
    def redirect_uri_list(self) -> list[str]:
        return self.redirect_uris.split()

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
            for grant in (GrantType.CLIENT_CREDENTIALS,):
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
        for origin in self.allowed_origin_list:
            message = origin_error(origin, provider_settings.ALLOW_HTTP_LOOPBACK_REDIRECT_URIS)
            if message:
                errors.setdefault("allowed_origins", []).append(message)
        bad = invalid_scope_tokens(self.allowed_scope_list)
        unknown_scopes = [s for s in self.allowed_scope_list if s not in known_scopes()]
        if bad or unknown_scopes:
            errors.setdefault("allowed_scopes", []).append(
                f"Unknown scopes: {', '.join(bad + unknown_scopes)}. Known scopes are set in "
                "OAUTH_PROVIDER['SCOPES']."
            )
        if errors:
            raise ValidationError(errors)


class Application(AbstractApplication):
    """A registered client (``OAUTH_PROVIDER["APPLICATION_MODEL"]`` names another)."""

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"

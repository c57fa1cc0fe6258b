"""Django admin for clients, codes, tokens and consents.

django-oauth-toolkit's ``admin`` module registers the swapped models with the classes
named in its settings, which point here; this module registers Consent itself.
Token and code values are never shown: only their hashes are stored, and even those
stay out of list pages and search. A new client's secret is shown once, on a page
that is not cached.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import django
from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from oauth2_provider.models import get_application_model

from ..core.grant_types import GrantType
from ..core.jose import ALGORITHMS
from ..server.configuration import openid_connect_enabled
from ..server.registration import create_initial_access_token
from ..settings import provider_settings
from ..storage import signing_keys
from ..storage.clients import disable_client, register_client, rotate_client_secret
from ..storage.models import (
    AbstractApplication,
    AuditEvent,
    DeviceAuthorization,
    ImportedDotRow,
    InitialAccessToken,
    SigningKey,
    get_consent_model,
)
from ..storage.revocation import revoke_client_tokens, revoke_consent, revoke_token
from . import shown_once

__all__ = [
    "AccessTokenAdmin",
    "ApplicationAdmin",
    "AuditEventAdmin",
    "ConsentAdmin",
    "DeviceAuthorizationAdmin",
    "GrantAdmin",
    "IDTokenAdmin",
    "ImportedDotRowAdmin",
    "InitialAccessTokenAdmin",
    "RefreshTokenAdmin",
    "SigningKeyAdmin",
]

USER_SEARCH = ("user__username",)


# Django 5.0 added assume_scheme; 4.2 does not know it.
URL_FIELD_OPTIONS: dict[str, Any] = {"assume_scheme": "https"} if django.VERSION >= (5, 0) else {}


class ApplicationForm(forms.ModelForm):
    homepage_url = forms.URLField(required=False, label=_("Homepage URL"), **URL_FIELD_OPTIONS)
    logo_url = forms.URLField(
        required=False, label=_("Logo URL"), help_text=_("Shown on the consent page."), **URL_FIELD_OPTIONS
    )
    grant_types = forms.MultipleChoiceField(
        choices=GrantType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Implicit and password are discouraged by RFC 9700; enable them only for legacy clients."
        ),
    )

    class Meta:
        model = get_application_model()
        fields = (
            "name",
            "client_id",
            "client_type",
            "grant_types",
            "redirect_uris",
            "allowed_scopes",
            "allowed_resources",
            "description",
            "homepage_url",
            "logo_url",
            "user",
            "skip_authorization",
            "is_active",
            "can_introspect_any_token",
            "allowed_origins",
            "access_token_format",
            "access_token_audience",
            "require_pushed_authorization_requests",
            "dpop_bound_access_tokens",
            "token_exchange_audiences",
            "access_token_lifetime",
            "refresh_token_lifetime",
            "refresh_token_absolute_lifetime",
            "authorization_code_lifetime",
        )

        help_texts = {
            "user": _(
                "The account that owns this registration, for your records. Optional; it does not "
                "limit who may authorize the client, and client credentials tokens carry no user."
            ),
            "skip_authorization": _(
                "Issue codes without showing the consent page. Only for first-party apps run by this "
                "site: the owner is never asked, and nothing is listed for them to approve."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["grant_types"] = self.instance.grant_type_list

    def clean_grant_types(self) -> str:
        return " ".join(self.cleaned_data["grant_types"])


#: The client's OpenID Connect settings, on the form while OIDC_ENABLED is on.
OPENID_FIELDS = ("first_party", "algorithm", "subject_type", "sector_identifier", "post_logout_redirect_uris")


def site_fields(model: Any) -> tuple[str, ...]:
    """The editable fields a site's subclass of AbstractApplication adds (docs/extending.rst)."""
    ours = {field.name for field in AbstractApplication._meta.fields}
    return tuple(
        field.name
        for field in model._meta.fields
        if field.editable and not field.auto_created and field.name not in ours
    )


class ShownOnceAdmin(admin.ModelAdmin):
    """An admin whose new secrets are shown once, on a page of their own after a redirect
    (POST, redirect, GET; see ops/shown_once.py), never cached."""

    #: The page that shows ``secrets``, a list of ``(row, secret)``, or that they were shown.
    shown_once_template = ""
    #: Its title once the secrets were shown.
    shown_once_title: Any = ""

    def get_urls(self) -> list[Any]:
        show = self.admin_site.admin_view(self.secrets_view)
        name = f"{self.model._meta.app_label}_{self.model._meta.model_name}_secrets"
        return [path("secrets/<str:key>/", show, name=name), *super().get_urls()]

    def show_secrets_once(
        self, request: HttpRequest, secrets: list[tuple[Any, str]], title: Any
    ) -> HttpResponse:
        """Send the browser to the page that shows ``secrets`` once."""
        key, pad = shown_once.keep(
            request, {"title": str(title), "secrets": [[row.pk, secret] for row, secret in secrets]}
        )
        name = f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_secrets"
        return HttpResponseRedirect(reverse(name, args=[key]) + "?" + urlencode({"pad": pad}))

    def secrets_view(self, request: HttpRequest, key: str) -> HttpResponse:
        """The one page that shows plaintext secrets: once, never cached."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        kept = shown_once.take(request, key, request.GET.get("pad", ""))
        shown: list[tuple[Any, str]] = []
        if kept is not None:
            rows = self.model._default_manager.in_bulk([pk for pk, _ in kept["secrets"]])
            shown = [(rows[pk], secret) for pk, secret in kept["secrets"] if pk in rows]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "secrets": shown,
            "title": kept["title"] if kept is not None else self.shown_once_title,
        }
        response = TemplateResponse(request, self.shown_once_template, context)
        response["Cache-Control"] = "no-store"
        return response


class ApplicationAdmin(ShownOnceAdmin):
    form = ApplicationForm
    list_display = (
        "name",
        "client_id",
        "type_and_source",
        "grant_type_lines",
        "is_active",
        "created_on",
    )
    # Self-registered clients (RFC 7591, client ID metadata documents) are found, and
    # disabled in bulk, by their registration source.
    list_filter = ("registration_source", "client_type", "is_active", "skip_authorization")
    search_fields = ("name", "client_id")
    raw_id_fields = ("user",)
    readonly_fields = ("registration_source", "created", "updated")

    actions = ["rotate_secret", "revoke_tokens", "disable"]
    # django-oauth-toolkit's get_absolute_url() names a URL this package does not serve.
    view_on_site = False
    shown_once_template = "oauth_provider/admin/client_secret.html"
    shown_once_title = _("Client secret already shown")

    @admin.display(description=_("client type"), ordering="client_type")
    def type_and_source(self, obj: AbstractApplication) -> str:
        """The client type, and how a client registered itself: dcr (RFC 7591) or cimd (a
        client ID metadata document); nothing for clients an operator registered."""
        if obj.registration_source in ("", "manual"):
            return obj.get_client_type_display()
        return f"{obj.get_client_type_display()} ({obj.registration_source})"

    @admin.display(description=_("grant types"), ordering="grant_types")
    def grant_type_lines(self, obj: AbstractApplication) -> str:
        """One grant type a line, so the list fits a 1280-pixel screen beside the sidebars."""
        return format_html_join(mark_safe("<br>"), "{}", ((grant,) for grant in obj.grant_type_list))

    @admin.display(description=_("created"), ordering="created")
    def created_on(self, obj: AbstractApplication) -> str:
        """The day only; the change page has the time."""
        return date_format(timezone.localtime(obj.created), "SHORT_DATE_FORMAT")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if kwargs.get("fields") is None:
            openid = OPENID_FIELDS if provider_settings.OIDC_ENABLED else ()
            kwargs["fields"] = (*ApplicationForm.Meta.fields, *openid, *site_fields(self.model))
        return super().get_form(request, obj, change=change, **kwargs)

    @admin.action(
        description=_("Rotate the secret of selected clients (old secret kept for the grace period)")
    )
    def rotate_secret(self, request: HttpRequest, queryset: Any) -> HttpResponse | None:
        confidential = [app for app in queryset if app.is_confidential]
        if not confidential:
            self.message_user(request, _("Public clients have no secret to rotate."), level="warning")
            return None
        secrets = [(app, rotate_client_secret(app)) for app in confidential]
        return self.show_secrets_once(request, secrets, _("New client secrets"))

    @admin.action(description=_("Revoke all tokens of selected clients"))
    def revoke_tokens(self, request: HttpRequest, queryset: Any) -> None:
        count = sum(revoke_client_tokens(app) for app in queryset)
        self.message_user(request, ngettext("Revoked %d token.", "Revoked %d tokens.", count) % count)

    @admin.action(description=_("Disable selected clients (their tokens stop working at once)"))
    def disable(self, request: HttpRequest, queryset: Any) -> None:
        for app in queryset:
            disable_client(app)
        self.message_user(request, _("Clients disabled."))

    def save_model(self, request: HttpRequest, obj: AbstractApplication, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
        else:
            # Generates a confidential client's secret and sends client_created.
            register_client(obj)

    def response_add(
        self, request: HttpRequest, obj: AbstractApplication, post_url_continue: Any = None
    ) -> HttpResponse:
        if not obj.plaintext_client_secret:
            return super().response_add(request, obj, post_url_continue)
        return self.show_secrets_once(request, [(obj, obj.plaintext_client_secret)], _("Client created"))


class ExpiryStatusFilter(admin.SimpleListFilter):
    """Live or expired, by ``expires`` against now (a date filter cannot say "now")."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("live", _("Live")), ("expired", _("Expired"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "live":
            return queryset.filter(expires__gt=timezone.now())
        if self.value() == "expired":
            return queryset.filter(expires__lte=timezone.now())
        return queryset


class RevocationStatusFilter(admin.SimpleListFilter):
    """Active or revoked, by whether ``revoked`` is set."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("active", _("Active")), ("revoked", _("Revoked"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() in ("active", "revoked"):
            return queryset.filter(revoked__isnull=self.value() == "active")
        return queryset


# Only the clients and users that have rows in the list, not every account of the site.
BY_CLIENT = ("application", admin.RelatedOnlyFieldListFilter)
BY_USER = ("user", admin.RelatedOnlyFieldListFilter)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Codes and tokens are issued by the server, never typed in."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.action(description=_("Revoke selected tokens and their families"))
def revoke_families(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: Any) -> None:
    count = 0
    families: set[Any] = set()
    for token in list(queryset):
        if token.token_family and token.token_family in families:
            continue
        families.add(token.token_family)
        count += revoke_token(token)
    modeladmin.message_user(request, ngettext("Revoked %d token.", "Revoked %d tokens.", count) % count)


class AccessTokenAdmin(ReadOnlyAdmin):
    list_display = ("pk", "application", "user", "scope", "expires", "created")
    list_filter = (ExpiryStatusFilter, BY_CLIENT, BY_USER, "expires")
    search_fields = ("application__name", "application__client_id", *USER_SEARCH)
    exclude = ("token", "token_checksum")
    raw_id_fields = ("user", "source_refresh_token", "id_token")
    actions = [revoke_families]


class RefreshTokenAdmin(ReadOnlyAdmin):
    list_display = ("pk", "application", "user", "scope", "created", "revoked")
    list_filter = (RevocationStatusFilter, BY_CLIENT, BY_USER, "created")
    search_fields = ("application__name", "application__client_id", *USER_SEARCH)
    exclude = ("token", "token_checksum")
    raw_id_fields = ("user", "access_token")
    actions = [revoke_families]


class GrantAdmin(ReadOnlyAdmin):
    list_display = ("pk", "application", "user", "scope", "expires", "consumed")
    list_filter = (ExpiryStatusFilter, BY_CLIENT, BY_USER, "expires")
    search_fields = ("application__name", "application__client_id", *USER_SEARCH)
    exclude = ("code", "code_challenge", "nonce", "claims")
    raw_id_fields = ("user",)


class IDTokenAdmin(ReadOnlyAdmin):
    """ID tokens exist only with OpenID Connect; while it is off the admin hides them."""

    list_display = ("pk", "application", "user", "kid", "expires")
    list_filter = (ExpiryStatusFilter, BY_CLIENT, "kid")
    search_fields = ("application__name", "application__client_id", *USER_SEARCH)
    raw_id_fields = ("user",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return openid_connect_enabled() and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return openid_connect_enabled() and super().has_view_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return openid_connect_enabled() and super().has_delete_permission(request, obj)


@admin.register(DeviceAuthorization)
class DeviceAuthorizationAdmin(ReadOnlyAdmin):
    """Device authorizations (RFC 8628); their codes are stored as hashes and never shown."""

    list_display = ("pk", "application", "user", "status", "scope", "created", "expires")
    list_filter = ("status", BY_CLIENT, BY_USER, "created")
    search_fields = ("application__name", "application__client_id", *USER_SEARCH)
    exclude = ("device_code", "user_code")
    raw_id_fields = ("user",)


@admin.register(ImportedDotRow)
class ImportedDotRowAdmin(ReadOnlyAdmin):
    """What oauth_provider_import_dot copied; a later run skips these rows (docs/switching.rst)."""

    list_display = ("kind", "source_id", "created")
    list_filter = ("kind", "created")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(get_consent_model())
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("pk", "user", "application", "scope", "created", "revoked")
    list_filter = (RevocationStatusFilter, BY_CLIENT, BY_USER, "created")
    search_fields = ("application__name", "application__client_id", *USER_SEARCH)
    raw_id_fields = ("user", "application")
    readonly_fields = ("created", "updated", "revoked")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoke selected consents and the tokens they allowed"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for consent in queryset.filter(revoked__isnull=True).select_related("user", "application"):
            revoke_consent(consent.user, consent.application)
        self.message_user(request, _("Consents revoked."))


class InitialAccessTokenCreationForm(forms.ModelForm):
    """A new initial access token: what ``oauth_provider_create_initial_access_token`` asks."""

    expires_in = forms.IntegerField(
        min_value=0,
        initial=7 * 24 * 3600,
        label=_("Expires in (seconds)"),
        help_text=_("0: never expires."),
    )
    uses = forms.IntegerField(
        min_value=0,
        initial=1,
        label=_("Uses"),
        help_text=_("How many clients it may register; 0: any number."),
    )

    class Meta:
        model = InitialAccessToken
        fields = ("description",)


@admin.register(InitialAccessToken)
class InitialAccessTokenAdmin(ShownOnceAdmin):
    """Initial access tokens (RFC 7591 §3): issued here or by
    ``oauth_provider_create_initial_access_token``, the token shown once (only its hash is
    stored); listed and revoked."""

    list_display = ("pk", "description", "created", "expires", "remaining_uses", "revoked")
    list_filter = (RevocationStatusFilter, "created")
    search_fields = ("description",)
    fields = ("description", "created", "expires", "remaining_uses", "revoked")
    readonly_fields = ("created", "revoked")
    actions = ["revoke"]
    shown_once_template = "oauth_provider/admin/initial_access_token.html"
    shown_once_title = _("Initial access token already shown")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = InitialAccessTokenCreationForm
            kwargs["fields"] = ("description", "expires_in", "uses")
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("description", "expires_in", "uses") if obj is None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: InitialAccessToken, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        row, token = create_initial_access_token(
            description=form.cleaned_data["description"],
            expires_in=form.cleaned_data["expires_in"] or None,
            uses=form.cleaned_data["uses"] or None,
        )
        obj.pk = row.pk
        obj.plaintext_token = token  # type: ignore[attr-defined]  # for response_add only

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> HttpResponse:
        created = _("Initial access token created")
        return self.show_secrets_once(request, [(obj, obj.plaintext_token)], created)

    @admin.action(description=_("Revoke selected initial access tokens"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        count = queryset.filter(revoked__isnull=True).update(revoked=timezone.now())
        self.message_user(request, ngettext("Revoked %d token.", "Revoked %d tokens.", count) % count)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created", "event", "application_id", "user_id")
    list_filter = ("event", "created")
    search_fields = ("event", "user_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SigningKeyCreationForm(forms.ModelForm):
    """A new key: its algorithm, and whether it signs at once (for the first key only)."""

    new_algorithm = forms.ChoiceField(choices=[(name, name) for name in ALGORITHMS], label=_("Algorithm"))
    signs_at_once = forms.BooleanField(
        required=False,
        label=_("Sign at once"),
        help_text=_(
            "Only for the first key of an algorithm. Otherwise the key is published now and signs "
            "after SIGNING_KEY_ROTATION_LEAD_SECONDS, once every cached JWKS document has it."
        ),
    )

    class Meta:
        model = SigningKey
        fields: tuple[str, ...] = ()


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    """Keys are generated here, never typed in; the private key is never shown."""

    list_display = (
        "kid",
        "algorithm",
        "key_status",
        "publish_at",
        "activate_at",
        "retire_at",
        "unpublish_at",
    )
    list_filter = ("algorithm", "compromised")
    search_fields = ("kid",)
    exclude = ("private_key",)
    actions = ["activate", "retire", "retire_compromised"]

    @admin.display(description=_("status"))
    def key_status(self, obj: SigningKey) -> str:
        return obj.status()

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = SigningKeyCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("new_algorithm", "signs_at_once")
        return (
            "kid",
            "algorithm",
            "generation",
            "publish_at",
            "activate_at",
            "retire_at",
            "unpublish_at",
            "compromised",
            "public_jwk",
            "created",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A key leaves through retirement, so that what it signed keeps verifying.
        return False

    def save_model(self, request: HttpRequest, obj: SigningKey, form: Any, change: bool) -> None:
        if change:
            return
        data = form.cleaned_data
        created = signing_keys.create_key(
            data["new_algorithm"], activate_at=timezone.now() if data["signs_at_once"] else None
        )
        obj.__dict__.update({key: value for key, value in created.__dict__.items() if key != "_state"})
        obj._state.adding = False
        obj._state.db = created._state.db

    @admin.action(description=_("Sign with the selected key now (the keys signing until now retire)"))
    def activate(self, request: HttpRequest, queryset: Any) -> None:
        keys = list(queryset)
        if len(keys) != 1:
            self.message_user(request, _("Select exactly one key to activate."), level="warning")
            return
        signing_keys.activate(keys[0])
        self.message_user(request, _("The key signs from now on."))

    @admin.action(description=_("Retire selected keys (published until their tokens expire)"))
    def retire(self, request: HttpRequest, queryset: Any) -> None:
        for key in queryset:
            signing_keys.retire(key)
        self.message_user(request, _("Keys retired."))

    @admin.action(description=_("Retire selected keys as compromised (unpublished at once)"))
    def retire_compromised(self, request: HttpRequest, queryset: Any) -> None:
        for key in queryset:
            signing_keys.retire(key, compromised=True)
        self.message_user(request, _("Keys retired and unpublished."))

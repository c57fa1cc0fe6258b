"""Forms: the owner's consent decision."""

from __future__ import annotations

from typing import Any

from django import forms

from ..core.scopes import parse_scope

__all__ = ["APPROVED_SCOPES_FIELD", "ConsentForm", "DeviceConsentForm"]

#: The checkbox field, one value per scope the owner left ticked. It is the one
#: consent form field that may repeat.
APPROVED_SCOPES_FIELD = "approved_scopes"


class TickedScopesField(forms.MultipleChoiceField):
    """The ticked checkboxes, as sent; :class:`ConsentForm` keeps only requested scopes."""

    widget = forms.CheckboxSelectMultiple

    def valid_value(self, value: str) -> bool:
        # A value that was never requested is dropped in ConsentForm.clean(), not an error.
        return True


class ConsentForm(forms.Form):
    """The consent page's form. Hidden fields carry the request; the view re-validates them.

    ``scope`` carries every scope the client requested; ``approved_scopes`` holds
    one checkbox per requested scope, all ticked at first. ``cleaned_data["approved_scopes"]``
    is the requested scopes that stayed ticked, in request order: a ticked value the
    request did not name is ignored, so a tampered form cannot widen the grant.
    """

    allow = forms.BooleanField(required=False)
    client_id = forms.CharField(widget=forms.HiddenInput())
    redirect_uri = forms.CharField(widget=forms.HiddenInput())
    response_type = forms.CharField(widget=forms.HiddenInput())
    scope = forms.CharField(required=False, widget=forms.HiddenInput())
    state = forms.CharField(required=False, widget=forms.HiddenInput())
    code_challenge = forms.CharField(required=False, widget=forms.HiddenInput())
    code_challenge_method = forms.CharField(required=False, widget=forms.HiddenInput())
    approved_scopes = TickedScopesField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every requested scope starts ticked (and is a choice, for forms rendered whole).
        requested = parse_scope(self.initial.get("scope"))
        field = self.fields[APPROVED_SCOPES_FIELD]
        assert isinstance(field, TickedScopesField)
        field.choices = [(name, name) for name in requested]
        self.initial.setdefault(APPROVED_SCOPES_FIELD, requested)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        requested = parse_scope(cleaned.get("scope"))
        ticked = set(cleaned.get(APPROVED_SCOPES_FIELD) or [])
        cleaned[APPROVED_SCOPES_FIELD] = [name for name in requested if name in ticked]
        return cleaned


class DeviceConsentForm(ConsentForm):
    """The consent page's form for a device authorization (RFC 8628 §3.3): the user code
    instead of the redirect-based request's fields. The view finds the request again by
    the code, and takes the requested scopes from it, not from this form."""

    client_id = None  # type: ignore[assignment]
    redirect_uri = None  # type: ignore[assignment]
    response_type = None  # type: ignore[assignment]
    state = None  # type: ignore[assignment]
    code_challenge = None  # type: ignore[assignment]
    code_challenge_method = None  # type: ignore[assignment]
    user_code = forms.CharField(max_length=64, widget=forms.HiddenInput())
    step = forms.CharField(initial="decide", widget=forms.HiddenInput())

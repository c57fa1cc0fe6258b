"""A site's own models, as docs/extending.rst describes: the client, the consent, the
authorization code and the three token models, each with what the site adds."""

from django.db import models

from oauth_provider.models import (
    AbstractAccessToken,
    AbstractApplication,
    AbstractConsent,
    AbstractGrant,
    AbstractIDToken,
    AbstractRefreshToken,
)


class PartnerApplication(AbstractApplication):
    """A client with the partner contract it was registered under."""

    contract_number = models.CharField(max_length=32, blank=True, verbose_name="contract number")

    @property
    def is_under_contract(self) -> bool:
        return bool(self.contract_number)


class PartnerConsent(AbstractConsent):
    """A consent that remembers where it was given."""

    channel = models.CharField(max_length=16, blank=True, default="web")


class PartnerGrant(AbstractGrant):
    """An authorization code that remembers where it was asked for."""

    channel = models.CharField(max_length=16, blank=True, default="web")


class PartnerAccessToken(AbstractAccessToken):
    """An access token with the partner's cost centre, for its invoices."""

    cost_centre = models.CharField(max_length=32, blank=True, default="", verbose_name="cost centre")


class PartnerRefreshToken(AbstractRefreshToken):
    """The site's refresh token; the access, refresh and ID token models live in one app
    (docs/extending.rst, "Swap the three token models together")."""


class PartnerIDToken(AbstractIDToken):
    """The site's ID token record."""

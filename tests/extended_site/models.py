"""A site's own client and consent models, as docs/extending.rst describes."""

from django.db import models

from oauth_provider.models import AbstractApplication, AbstractConsent


class PartnerApplication(AbstractApplication):
    """A client with the partner contract it was registered under."""

    contract_number = models.CharField(max_length=32, blank=True, verbose_name="contract number")

    @property
    def is_under_contract(self) -> bool:
        return bool(self.contract_number)


class PartnerConsent(AbstractConsent):
    """A consent that remembers where it was given."""

    channel = models.CharField(max_length=16, blank=True, default="web")

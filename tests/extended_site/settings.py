"""The test settings with the site's own models, every one swapped (docs/extending.rst)."""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS, OAUTH_PROVIDER

INSTALLED_APPS = [*INSTALLED_APPS, "tests.extended_site"]
OAUTH_PROVIDER = {
    **OAUTH_PROVIDER,
    "APPLICATION_MODEL": "extended_site.PartnerApplication",
    "CONSENT_MODEL": "extended_site.PartnerConsent",
    "GRANT_MODEL": "extended_site.PartnerGrant",
    "ACCESS_TOKEN_MODEL": "extended_site.PartnerAccessToken",
    "REFRESH_TOKEN_MODEL": "extended_site.PartnerRefreshToken",
    "ID_TOKEN_MODEL": "extended_site.PartnerIDToken",
}

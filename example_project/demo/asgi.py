"""The hotel site's ASGI application, behind oauth_provider's guard (see docs/deployment.rst)."""

import os

from django.core.asgi import get_asgi_application

from oauth_provider.asgi import guard

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")

application = guard(get_asgi_application())

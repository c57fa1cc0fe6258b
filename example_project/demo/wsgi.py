"""The hotel site's WSGI application, behind oauth_provider's guard (see docs/installation.rst)."""

import os

from django.core.wsgi import get_wsgi_application

from oauth_provider.wsgi import guard

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")

application = guard(get_wsgi_application())

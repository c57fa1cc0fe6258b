"""A favicon for each demo site, so a browser's ``/favicon.ico`` request is not a 404."""

from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="{color}"/>'
    '<text x="16" y="23" font-family="sans-serif" font-size="20" font-weight="bold" fill="#fff" '
    'text-anchor="middle">{letter}</text></svg>'
)


def favicon_view(letter: str, color: str):
    """A view that answers with a square icon of ``letter`` on ``color``."""

    @require_safe
    @cache_control(max_age=86400)
    def favicon(request):
        return HttpResponse(SVG.format(letter=letter, color=color), content_type="image/svg+xml")

    return favicon

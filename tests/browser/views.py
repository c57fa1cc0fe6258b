"""A client's redirect URI on the live server: it shows the authorization response it got."""

from django.http import HttpResponse
from django.utils.html import format_html, format_html_join


def callback(request):
    """Lists the query parameters, one ``<dd>`` per value, so the browser test can read them."""
    items = format_html_join(
        "", "<dt>{}</dt><dd id='{}'>{}</dd>", ((k, k, v) for k, v in request.GET.items())
    )
    return HttpResponse(format_html("<!doctype html><title>Client callback</title><dl>{}</dl>", items))

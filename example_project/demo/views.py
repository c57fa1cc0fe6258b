"""The hotel site's home page; everything else is the package's endpoints and the hotel API."""

from django.shortcuts import render
from hotels.models import Hotel

from . import credentials


def home(request):
    return render(
        request,
        "demo/home.html",
        {"hotels": Hotel.objects.prefetch_related("rooms"), "client_url": credentials.CLIENT_URL},
    )

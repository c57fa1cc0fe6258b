"""The demo's URLs, with what a fleet needs: the health endpoint for the load balancer, the
metrics for Prometheus (kept from the public by the balancer, see docs/deployment.rst), and
a plain Django view and an async one protected by ``require_scopes``."""

from django.http import JsonResponse
from django.urls import path
from hotels.models import Booking

from oauth_provider.ops.health import health
from oauth_provider.ops.metrics import metrics
from oauth_provider.resource import require_scopes

from .urls import urlpatterns as demo_urlpatterns


@require_scopes("bookings:read")
def booking_count(request):
    """The number of the token's user's bookings: a plain Django view."""
    return JsonResponse({"bookings": Booking.objects.filter(guest=request.user).count()})


@require_scopes("bookings:read")
async def booking_count_async(request):
    """The same, as an async view (under ASGI it runs in the event loop)."""
    return JsonResponse({"bookings": await Booking.objects.filter(guest=request.user).acount()})


urlpatterns = [
    path("health/", health, name="health"),
    path("metrics", metrics, name="metrics"),
    path("plain/bookings/", booking_count, name="plain-booking-count"),
    path("plain/bookings/async/", booking_count_async, name="plain-booking-count-async"),
    *demo_urlpatterns,
]

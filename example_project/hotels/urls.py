from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("hotels", views.HotelViewSet, basename="hotel")
router.register("bookings", views.BookingViewSet, basename="booking")
router.register("hotel/rooms", views.HotelRoomViewSet, basename="hotel-room")
router.register("hotel/bookings", views.HotelBookingViewSet, basename="hotel-booking")

urlpatterns = [
    path("reports/occupancy/", views.occupancy_report, name="occupancy-report"),
    path("me/", views.TokenInfoView.as_view(), name="token-info"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("", include(router.urls)),
]

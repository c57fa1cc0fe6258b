from django.urls import path

from . import grants, roles, signin, views

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon),
    path("connect/", views.connect, name="connect"),
    path("callback/", views.callback, name="callback"),
    path("refresh/", views.refresh, name="refresh"),
    path("disconnect/", views.disconnect, name="disconnect"),
    path("trace/", views.trace, name="trace"),
    # One page for each role of the hotel API, with the user's token.
    path("bookings/", roles.bookings, name="bookings"),
    path("bookings/new/", roles.book, name="book"),
    path("bookings/<int:booking_id>/cancel/", roles.cancel, name="cancel"),
    path("hotel/", roles.hotel_desk, name="hotel_desk"),
    path("manager/", roles.manager_reports, name="manager_reports"),
    # Sign in with Hotel Booking (OpenID Connect), and out again.
    path("signin/", signin.signin, name="signin"),
    path("signin/start/", signin.signin_start, name="signin_start"),
    path("signin/callback/", signin.signin_callback, name="signin_callback"),
    path("signout/", signin.signout, name="signout"),
    path("signed-out/", signin.signed_out, name="signed_out"),
    # The other grants.
    path("reports/", grants.reports, name="reports"),
    path("password/", grants.password, name="password"),
    path("implicit/", grants.implicit, name="implicit"),
    path("implicit/start/", grants.implicit_start, name="implicit_start"),
]

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("connect/", views.connect, name="connect"),
    path("callback/", views.callback, name="callback"),
    path("bookings/", views.bookings, name="bookings"),
    path("bookings/new/", views.book, name="book"),
    path("bookings/<int:booking_id>/cancel/", views.cancel, name="cancel"),
    path("refresh/", views.refresh, name="refresh"),
    path("disconnect/", views.disconnect, name="disconnect"),
    path("trace/", views.trace, name="trace"),
    path("reports/", views.reports, name="reports"),
    path("implicit/", views.implicit, name="implicit"),
    path("implicit/start/", views.implicit_start, name="implicit_start"),
]

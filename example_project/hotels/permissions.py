"""Who the token's user is at the hotels; the scope checks come from oauth_provider.resource."""

from rest_framework.permissions import BasePermission


class IsHotelStaff(BasePermission):
    """The token's user works at a hotel."""

    message = "This endpoint is for hotel staff; the token's user works at no hotel."

    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.staffed_hotels.exists()


class IsHotelManager(BasePermission):
    """The token's user manages a hotel."""

    message = "This endpoint is for hotel managers and service clients."

    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.managed_hotels.exists()

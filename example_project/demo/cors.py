"""CORS on the hotel API for the partner app's origin, so that its implicit-grant page (a
browser app) can call the API from script. Nothing else in the demo needs it."""

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from . import credentials


def partner_cors(get_response):
    def middleware(request):
        from_partner = (
            request.path.startswith("/api/") and request.headers.get("Origin") == credentials.CLIENT_URL
        )
        if (
            from_partner
            and request.method == "OPTIONS"
            and "Access-Control-Request-Method" in request.headers
        ):
            response = HttpResponse(status=204)  # the preflight for the Authorization header
            response["Access-Control-Allow-Methods"] = "GET"
            response["Access-Control-Allow-Headers"] = "Authorization"
        else:
            response = get_response(request)
        if from_partner:
            response["Access-Control-Allow-Origin"] = credentials.CLIENT_URL
        if request.path.startswith("/api/"):
            patch_vary_headers(response, ["Origin"])
        return response

    return middleware

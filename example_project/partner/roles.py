"""One page for each role the hotel API serves, each with the user's own token: a guest's
bookings, a hotel's rooms and occupancy for its staff, and a manager's report across hotels.
(The reports service, with no user at all, is in ``partner.grants``.)

Each page says which scope it needs, lets the user connect with it, and shows what the API
answered, refusals included (RFC 6750 §3.1).
"""

from dataclasses import dataclass
from datetime import date, timedelta

import requests
from django.conf import settings
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import oauth
from .answers import ApiAnswer
from .views import (
    FAILURES,
    TOKEN,
    api,
    failure_text,
    flash,
    forget_token_if_refused,
    load_trace,
    page,
    save_trace,
)


@dataclass(frozen=True)
class Role:
    """A role of the hotel API, and the partner page that serves it."""

    url_name: str
    title: str
    #: Who has this role, in the demo's words.
    who: str
    #: The demo user to log in as.
    demo_user: str
    #: The scope the page needs, and the scopes it connects with.
    needs: str
    scopes: tuple[str, ...]
    #: The API calls the page makes.
    calls: tuple[str, ...]


ROLES = {
    "bookings": Role(
        url_name="bookings",
        title="My bookings",
        who="a guest",
        demo_user="alice",
        needs="bookings:read",
        scopes=("bookings:read", "bookings:write"),
        calls=("GET /api/bookings/",),
    ),
    "hotel_desk": Role(
        url_name="hotel_desk",
        title="Hotel desk",
        who="hotel staff",
        demo_user="sam",
        needs="hotel:manage",
        scopes=("hotel:manage",),
        calls=("GET /api/hotel/rooms/", "GET /api/hotel/bookings/"),
    ),
    "manager_reports": Role(
        url_name="manager_reports",
        title="Manager reports",
        who="a hotel manager",
        demo_user="maria",
        needs="reports:read",
        scopes=("reports:read",),
        calls=("GET /api/reports/occupancy/",),
    ),
}


def call(request, trace, method: str, path: str, **kwargs) -> ApiAnswer | str:
    """An API call with the session's token: its answer, or the text of a failure to get one."""
    try:
        response = oauth.call_api(api(request, trace), method, path, **kwargs)
    except FAILURES as exc:
        return failure_text(exc)
    answer = ApiAnswer.from_response(method, path, response)
    forget_token_if_refused(request, answer)
    return answer


def role_page(request, role: Role, template: str, paths: tuple[str, ...], **context):
    """Calls the role's API paths if connected, and renders the page with the answers."""
    answers: list[ApiAnswer] = []
    if TOKEN in request.session:
        trace = load_trace(request)
        for path in paths:
            answer = call(request, trace, "GET", path)
            if isinstance(answer, str):
                context["error"] = answer
                break
            answers.append(answer)
            if not answer.ok:
                break
        save_trace(request, trace)
    token = request.session.get(TOKEN)
    return page(
        request,
        template,
        role=role,
        answers=answers,
        token=token,
        has_scope=bool(token) and role.needs in token.get("scope", []),
        curl_url=f"{settings.API_URL}{paths[0]}",
        **context,
    )


@never_cache
def bookings(request):
    """Guest: steps (E) and (F), the guest's bookings from the hotel API."""
    context = {"check_in": date.today() + timedelta(days=60)}
    if TOKEN in request.session:
        try:
            hotels = requests.get(f"{settings.API_URL}/hotels/", timeout=oauth.TIMEOUT).json()
        except (requests.RequestException, ValueError) as exc:
            context["error"] = f"The hotel site did not answer: {exc}"
        else:
            context["rooms"] = [(hotel, room) for hotel in hotels for room in hotel["rooms"]]
    return role_page(request, ROLES["bookings"], "bookings.html", ("/bookings/",), **context)


def change_bookings(request, method: str, path: str, done: str, **kwargs):
    if TOKEN not in request.session:
        return redirect("bookings")
    trace = load_trace(request)
    answer = call(request, trace, method, path, **kwargs)
    if isinstance(answer, str):
        flash(request, answer)
    else:
        flash(request, done if answer.ok else answer.text())
    save_trace(request, trace)
    return redirect("bookings")


@require_POST
def book(request):
    try:
        check_in = date.fromisoformat(request.POST.get("check_in", ""))
        nights = int(request.POST.get("nights", "1"))
    except ValueError:
        flash(request, "Choose a date and a number of nights.")
        return redirect("bookings")
    booking = {
        "room": request.POST.get("room"),
        "check_in": check_in.isoformat(),
        "check_out": (check_in + timedelta(days=max(nights, 1))).isoformat(),
    }
    return change_bookings(request, "POST", "/bookings/", "Booked.", json=booking)


@require_POST
def cancel(request, booking_id: int):
    return change_bookings(request, "DELETE", f"/bookings/{booking_id}/", "Booking cancelled.")


@never_cache
def hotel_desk(request):
    """Hotel staff: the rooms of their hotel and who is booked in them (hotel:manage)."""
    return role_page(request, ROLES["hotel_desk"], "hotel_desk.html", ("/hotel/rooms/", "/hotel/bookings/"))


@never_cache
def manager_reports(request):
    """Manager: occupancy and revenue of the hotels they manage (reports:read)."""
    return role_page(request, ROLES["manager_reports"], "manager_reports.html", ("/reports/occupancy/",))

"""Run every grant against the running demo, headless, printing each step; exit 1 if any fails.

    python manage.py walkthrough --settings=partner.settings

The partner's client code (``partner.oauth``, on requests-oauthlib) plays the client; a
small headless user agent plays the guest's browser: it logs in on the hotel site and
presses "Allow" on the consent page. ``--verbosity 2`` prints whole HTTP messages.
"""

import random
import secrets
import time
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from demo import credentials
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from oauthlib.oauth2 import InvalidGrantError

from partner import oauth
from partner.trace import (
    AUTHORIZATION_CODE,
    CLIENT_CREDENTIALS,
    DEVICE,
    IMPLICIT,
    PASSWORD,
    SIGN_IN,
    Trace,
    id_token_text,
    request_text,
    response_text,
    summary,
)


class StepFailed(Exception):
    pass


class Form:
    """A POST form: its action and the fields a browser would submit."""

    def __init__(self, action: str):
        self.action = action
        self.fields: list[tuple[str, str]] = []
        self.names: set[str] = set()


class FormParser(HTMLParser):
    """The POST forms of a page (the site's header has one to log out, say)."""

    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self.current: Form | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self.current = Form(attributes.get("action") or "")
            self.forms.append(self.current)
        elif tag == "input" and self.current is not None and attributes.get("name"):
            self.current.names.add(attributes["name"])
            kind = attributes.get("type", "text")
            if kind == "hidden" or (kind == "checkbox" and "checked" in attributes):
                self.current.fields.append((attributes["name"], attributes.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None

    def form_with(self, name: str) -> Form | None:
        return next((form for form in self.forms if name in form.names), None)


class Browser:
    """The resource owner's user agent: follows the authorization server's redirects, logs in
    and allows. Returns the redirect to the client, as a browser would be sent there."""

    def __init__(self, username: str):
        self.username = username
        self.session = requests.Session()

    def authorize(self, url: str) -> str:
        response = self.session.get(url, allow_redirects=False, timeout=oauth.TIMEOUT)
        for _ in range(6):
            if response.is_redirect:
                location = urljoin(response.url, response.headers["Location"])
                if not location.startswith(settings.AUTHORIZATION_SERVER + "/"):
                    return location
                response = self.session.get(location, allow_redirects=False, timeout=oauth.TIMEOUT)
                continue
            if response.status_code != 200:
                raise StepFailed(f"{response.url} answered {response.status_code}: {response.text[:300]}")
            parser = FormParser()
            parser.feed(response.text)
            if form := parser.form_with("password"):  # the login page
                password = credentials.USERS[self.username]["password"]
                data = [*form.fields, ("username", self.username), ("password", password)]
            elif form := parser.form_with("approved_scopes"):  # the consent page: press "Allow"
                data = [*form.fields, ("allow", "Authorize")]
            elif "oauth-device-approved" in response.text:  # the device grant's last page
                return response.url
            elif form := parser.form_with("user_code"):  # the device grant: enter the code
                code = parse_qs(urlsplit(response.url).query).get("user_code", [""])[0]
                data = [*form.fields, ("user_code", code)]
            else:
                raise StepFailed(f"{response.url} shows neither a login nor a consent form.")
            action = urljoin(response.url, form.action or response.url)
            response = self.session.post(action, data=data, allow_redirects=False, timeout=oauth.TIMEOUT)
        raise StepFailed("Too many redirects on the authorization server.")


class PrintingTrace(Trace):
    """A trace that also prints each step as it is added."""

    def __init__(self, command, flow=AUTHORIZATION_CODE):
        super().__init__(flow=flow)
        self.command = command

    def add(self, letter, http, note="", title="", sender="", receiver=""):
        super().add(letter, http, note=note, title=title, sender=sender, receiver=receiver)
        step = self.steps[-1]
        label = f"({letter})" if letter else "   "
        parties = f"{step['sender']} -> {step['receiver']}".replace("Authorization Server", "AS")
        if self.command.verbosity > 1:
            self.command.stdout.write(f"  {label} {step['title']}: {parties}")
            self.command.stdout.write("      " + http.replace("\n", "\n      "))
        else:
            self.command.stdout.write(f"  {label} {parties:<39} {summary(http)}")


class Command(BaseCommand):
    help = "Run every grant against the running demo, printing each step; exit status 1 if one fails."
    requires_system_checks = []

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        self.failed: list[str] = []
        self.passed = 0
        self.browsers = {name: Browser(name) for name in credentials.USERS}
        self.rooms, self.alice = [], None
        self.stdout.write(f"Walkthrough against {settings.AUTHORIZATION_SERVER}")
        sections = [
            ("Authorization server metadata (RFC 8414)", self.metadata),
            ("General: hotels and rooms, no token", self.general),
            ("User: authorization code grant with PKCE and state, as alice (RFC 6749 §4.1)", self.user),
            ("Refresh token grant, with rotation (RFC 6749 §6)", self.refresh),
            ("Other: introspection (RFC 7662) and revocation (RFC 7009)", self.introspect_and_revoke),
            ("Hotel: staff member sam with hotel:manage", self.hotel_staff),
            ("Manager: maria with reports:read", self.manager),
            ("Policy: a guest asking for a manager's scope is refused", self.policy),
            ("Manager: the reports service, client credentials grant (RFC 6749 §4.4)", self.service),
            ("Password grant, as alice (RFC 6749 §4.3; discouraged)", self.password),
            ("Implicit grant, as alice (RFC 6749 §4.2; discouraged)", self.implicit),
            ("Sign in with Hotel Booking as alice, then log out (OpenID Connect)", self.sign_in),
            ("Device: the TV app, device authorization grant, as alice (RFC 8628)", self.device),
        ]
        flows = {
            self.service: CLIENT_CREDENTIALS,
            self.password: PASSWORD,
            self.implicit: IMPLICIT,
            self.sign_in: SIGN_IN,
            self.device: DEVICE,
        }
        for title, run in sections:
            self.stdout.write(f"\n== {title}")
            self.trace = PrintingTrace(self, flows.get(run, AUTHORIZATION_CODE))
            try:
                run()
            except Exception as exc:  # a failed part is reported; the others still run
                self.failed.append(title)
                self.stdout.write(self.style.ERROR(f"  FAIL  {type(exc).__name__}: {exc}"))
        total = len(sections)
        if self.failed:
            raise CommandError(f"{len(self.failed)} of {total} parts failed: {'; '.join(self.failed)}")
        self.stdout.write(self.style.SUCCESS(f"\nAll {total} parts passed ({self.passed} checks)."))

    # Helpers --------------------------------------------------------------------------------

    def check(self, condition: bool, text: str) -> None:
        if not condition:
            raise StepFailed(text)
        self.passed += 1
        self.stdout.write(f"        ok  {text}")

    def expect(self, response, status: int, text: str):
        if response.status_code != status:
            raise StepFailed(f"{text}: expected {status}, got {response.status_code} {response.text[:300]}")
        self.check(True, f"{text} ({status})")
        return response

    def api(self, session, method: str, path: str, client: str = "partner-web", **kwargs):
        return oauth.call_api(session, method, path, client=client, **kwargs)

    def authorize(self, username: str, scopes: list[str]) -> requests.Session:
        """The authorization code grant, steps (A) to (D); returns a session with the token."""
        url, pending = oauth.authorization_request(scopes)
        self.trace.add("A", response_text(302, "Found", [("Location", url)]))
        query = parse_qs(urlsplit(url).query)
        self.check(query["code_challenge_method"] == ["S256"], "PKCE code_challenge with S256 sent")
        redirect = self.browsers[username].authorize(url)
        self.trace.add("B", request_text("GET", redirect, []))
        returned = parse_qs(urlsplit(redirect).query)
        self.check(returned.get("state") == [pending["state"]], "the state came back unchanged")
        token = oauth.exchange_code(redirect, pending, self.trace)
        self.check(set(token["scope"]) == set(scopes), f"token issued for {' '.join(token['scope'])}")
        self.check("refresh_token" in token, "with a refresh token")
        return oauth.api_session(token, self.store, self.trace)

    def store(self, token):
        self.token = token

    # The parts -------------------------------------------------------------------------------

    def metadata(self):
        session = self.trace.attach(requests.Session())
        document = oauth.discover(session)
        self.check(document["issuer"] == settings.AUTHORIZATION_SERVER, f"issuer is {document['issuer']}")
        self.check(document["code_challenge_methods_supported"] == ["S256"], "PKCE S256 supported")

    def general(self):
        session = self.trace.attach(requests.Session())
        hotels = self.expect(session.get(f"{settings.API_URL}/hotels/", timeout=oauth.TIMEOUT), 200, "hotels")
        self.rooms = [room for hotel in hotels.json() for room in hotel["rooms"]]
        self.check(bool(self.rooms), f"{len(hotels.json())} hotels, {len(self.rooms)} rooms")
        response = session.get(f"{settings.API_URL}/bookings/", timeout=oauth.TIMEOUT)
        self.expect(response, 401, "bookings without a token are refused")
        self.check(response.headers["WWW-Authenticate"].startswith("Bearer"), "with a Bearer challenge")

    def user(self):
        self.alice = self.authorize("alice", ["bookings:read", "bookings:write"])
        bookings = self.expect(self.api(self.alice, "GET", "/bookings/"), 200, "alice's bookings")
        self.check(isinstance(bookings.json(), list), f"{len(bookings.json())} bookings")
        if not self.rooms:
            raise StepFailed("needs the rooms of the general part, which failed")
        check_in = date.today() + timedelta(days=random.randrange(400, 4000))
        booking = {
            "room": self.rooms[0]["id"],
            "check_in": check_in.isoformat(),
            "check_out": (check_in + timedelta(days=2)).isoformat(),
        }
        created = self.expect(self.api(self.alice, "POST", "/bookings/", json=booking), 201, "book a room")
        self.check(created.json()["booked_by_client"] == "partner-web", "booked by partner-web")
        cancelled = self.api(self.alice, "DELETE", f"/bookings/{created.json()['id']}/")
        self.expect(cancelled, 204, "cancel it")
        response = self.expect(self.api(self.alice, "GET", "/hotel/rooms/"), 403, "hotel functions refused")
        self.check('error="insufficient_scope"' in response.headers["WWW-Authenticate"], "insufficient_scope")

    def signed_in_alice(self):
        if self.alice is None:
            raise StepFailed("needs the token of the authorization code part, which failed")
        return self.alice

    def refresh(self):
        self.signed_in_alice()
        self.spent_refresh_token = self.alice.token["refresh_token"]
        token = oauth.refresh(self.alice)
        self.check(token["refresh_token"] != self.spent_refresh_token, "a new refresh token (rotation)")
        self.expect(self.api(self.alice, "GET", "/bookings/"), 200, "the new access token works")

    def introspect_and_revoke(self):
        self.signed_in_alice()
        access_token, refresh_token = self.alice.token["access_token"], self.alice.token["refresh_token"]
        info = oauth.introspect(access_token, trace=self.trace)
        self.check(info["active"] and info["username"] == "alice", "active, for alice")
        me = self.expect(self.api(self.alice, "GET", "/me/"), 200, "what the API sees in the token")
        self.check(me.json()["client_id"] == "partner-web", f"client {me.json()['client_id']}")
        self.expect(oauth.revoke(refresh_token, "refresh_token", trace=self.trace), 200, "revoke")
        self.check(
            not oauth.introspect(access_token, trace=self.trace)["active"], "the access token is inactive"
        )
        self.expect(self.api(self.alice, "GET", "/bookings/"), 401, "the API refuses it")
        try:
            oauth.refresh(self.alice, refresh_token=self.spent_refresh_token)
        except InvalidGrantError:
            self.check(True, "the spent refresh token is refused (invalid_grant)")
        else:
            raise StepFailed("A spent refresh token was accepted.")

    def hotel_staff(self):
        session = self.authorize("sam", ["hotel:manage"])
        rooms = self.expect(self.api(session, "GET", "/hotel/rooms/"), 200, "rooms of sam's hotel")
        self.check(bool(rooms.json()), f"{len(rooms.json())} rooms")
        self.expect(self.api(session, "GET", "/hotel/bookings/"), 200, "bookings at sam's hotel")
        room = rooms.json()[0]
        changed = self.api(session, "PATCH", f"/hotel/rooms/{room['id']}/", json={"beds": room["beds"]})
        self.expect(changed, 200, f"update room {room['number']}")

    def manager(self):
        session = self.authorize("maria", ["reports:read"])
        report = self.expect(self.api(session, "GET", "/reports/occupancy/"), 200, "maria's report")
        self.check(len(report.json()) == 2, "covers her 2 hotels")

    def policy(self):
        url, pending = oauth.authorization_request(["reports:read"])
        self.trace.add("A", response_text(302, "Found", [("Location", url)]))
        redirect = self.browsers["alice"].authorize(url)
        self.trace.add("B", request_text("GET", redirect, []))
        returned = {name: values[0] for name, values in parse_qs(urlsplit(redirect).query).items()}
        self.check(returned.get("error") == "access_denied", "alice, a guest, is refused: access_denied")
        self.check(
            "reports:read" in returned.get("error_description", ""),
            f"the description says why: {returned.get('error_description')}",
        )
        self.check(returned.get("state") == pending["state"], "with the state")

    def service(self):
        session = oauth.service_session(self.trace)
        self.check(session.token["scope"] == ["reports:read"], "token for reports:read, no user")
        report = self.api(session, "GET", "/reports/occupancy/", client="partner-service")
        self.check(bool(self.expect(report, 200, "report across all hotels").json()), "has rows")
        self.expect(
            self.api(session, "GET", "/bookings/", client="partner-service"), 403, "no user's bookings"
        )

    def password(self):
        password = credentials.USERS["alice"]["password"]
        session = oauth.password_session("alice", password, self.trace)
        self.expect(self.api(session, "GET", "/bookings/", client="partner-cli"), 200, "alice's bookings")

    def implicit(self):
        url, state = oauth.implicit_request()
        self.trace.add("A", response_text(302, "Found", [("Location", url)]))
        redirect = self.browsers["alice"].authorize(url)
        note = "The token is in the URL fragment, which browsers send to no server: a script reads it."
        self.trace.add("C", response_text(302, "Found", [("Location", redirect)]), note=note)
        self.check("access_token=" in urlsplit(redirect).fragment, "the token came in the URL fragment")
        session = self.trace.attach(oauth.implicit_token(redirect, state))
        self.check(session.token["token_type"].lower() == "bearer", "state checked, token read")
        self.expect(
            self.api(session, "GET", "/bookings/", client="partner-implicit"), 200, "alice's bookings"
        )

    def sign_in(self):
        url, pending = oauth.signin_request()
        self.trace.add("A", response_text(302, "Found", [("Location", url)]))
        query = parse_qs(urlsplit(url).query)
        self.check("openid" in query["scope"][0].split(), "the openid scope asked for")
        self.check(query.get("nonce") == [pending["nonce"]], "with a nonce")
        redirect = self.browsers["alice"].authorize(url)
        self.trace.add("B", request_text("GET", redirect, []))
        token, header, claims = oauth.sign_in(redirect, pending, self.trace)
        self.trace.add(
            "", id_token_text(header, claims), title="ID token, decoded", sender="Client", receiver="Client"
        )
        self.check(
            claims["nonce"] == pending["nonce"],
            f"ID token verified ({header['alg']}): signature, iss, aud, exp, nonce, at_hash",
        )
        info = oauth.userinfo(token, claims["sub"], self.trace)
        alice = credentials.USERS["alice"]
        self.check(info.get("email") == alice["email"], f"userinfo: {info.get('name')} <{info.get('email')}>")
        state = secrets.token_urlsafe(12)
        back = self.browsers["alice"].authorize(oauth.logout_url(token["id_token"], state))
        returned = parse_qs(urlsplit(back).query)
        self.check(
            back.startswith(f"{credentials.CLIENT_URL}/signed-out/"),
            "logged out, back at the post-logout URI",
        )
        self.check(returned.get("state") == [state], "with the state")
        info = oauth.introspect(token["access_token"], trace=self.trace)
        self.check(not info["active"], "the sign-in's access token ended with the session")

    def device(self):
        started = oauth.device_start(self.trace)
        shown = started["user_code"]
        self.check(
            len(shown) == 9 and shown[4] == "-",
            f"user code {shown} to enter at {started['verification_uri']}",
        )
        self.trace.add("C", f"Open {started['verification_uri']} and enter {shown}")
        self.browsers["alice"].authorize(started["verification_uri_complete"])
        self.trace.add("D", request_text("POST", started["verification_uri"], []))
        self.check(True, "alice entered the code and approved on the consent page")
        deadline = time.monotonic() + 60
        session = oauth.device_poll(
            started, sleep=time.sleep, deadline=deadline, clock=time.monotonic, trace=self.trace
        )
        self.check(session.token["token_type"].lower() == "bearer", "the device got its token")
        self.expect(
            self.api(session, "GET", "/bookings/", client="partner-tv"), 200, "alice's bookings on the TV"
        )

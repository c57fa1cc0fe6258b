"""Client ID metadata documents: a ``client_id`` that is an ``https`` URL names the JSON
document (RFC 7591 §2 metadata) that describes the client. The server fetches it, checks
it like a registration, and keeps it as a public client whose ``registration_source`` is
``cimd``, fetching it again when its cache lifetime ends (docs/registration.rst).

The fetch is guarded against server-side request forgery: ``https`` only, every address
the host resolves to must be public (unless ``CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE_ADDRESSES``),
the connection goes to an address that was checked, no redirects, and size and time limits.
The address rules follow django-oauth-toolkit's ``cimd`` module.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import socket
import ssl
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import urllib3
from django.db import IntegrityError, transaction
from django.utils import timezone
from oauth2_provider.models import get_application_model

from ..core import signals
from ..core.client_metadata import parse_client_metadata
from ..core.errors import InvalidClientMetadata, InvalidRedirectUri
from ..core.redirect_uris import is_loopback
from ..settings import provider_settings
from .registration import registration_policy

__all__ = ["MetadataDocumentError", "applies_to", "fetch_document", "resolve_client", "url_problem"]

log = logging.getLogger("oauth_provider")

CIMD = "cimd"
MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d+)", re.IGNORECASE)
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class MetadataDocumentError(Exception):
    """The document could not be fetched, or is not acceptable; the message says why."""


def _allow_private() -> bool:
    return bool(provider_settings.CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE_ADDRESSES)


def applies_to(client_id: str) -> bool:
    """Whether ``client_id`` is resolved through a metadata document."""
    if not provider_settings.CLIENT_ID_METADATA_DOCUMENTS:
        return False
    return client_id.startswith("https://") or (_allow_private() and client_id.startswith("http://"))


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a client ID metadata document's URL, or ``None``: ``https``, a
    host, a path, no user information, fragment or dot segments."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - an out-of-range port raises here
    except ValueError:
        return "The client_id is not a valid URL."
    plain_http = parts.scheme == "http" and _allow_private() and is_loopback(url)
    if parts.scheme != "https" and not plain_http:
        return "A client_id URL must use https."
    if not parts.hostname:
        return "A client_id URL must have a host."
    if parts.username is not None or parts.password is not None or parts.fragment or "#" in url:
        return "A client_id URL must not have user information or a fragment."
    if not parts.path or parts.path == "/" or any(s in (".", "..") for s in parts.path.split("/")):
        return "A client_id URL must have a path, without dot segments."
    return None


def _public(ip_text: str) -> bool:
    """A globally routable address; IPv4 addresses inside IPv6 ones are judged as IPv4."""
    try:
        ip: Any = ipaddress.ip_address(ip_text.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.teredo is not None:
            return all(part.is_global for part in ip.teredo)
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            ip = embedded
    return bool(ip.is_global) and not ip.is_multicast


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise MetadataDocumentError(f"The client_id host {host} does not resolve.") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise MetadataDocumentError(f"The client_id host {host} does not resolve.")
    if not _allow_private():
        for address in addresses:
            # Every address must be public: a host with one private address is refused whole.
            if not _public(address):
                raise MetadataDocumentError(
                    f"The client_id host {host} resolves to a non-public address; documents are "
                    "only fetched from public addresses."
                )
    return addresses


def _max_age(cache_control: str | None) -> int:
    """How long to keep a document: its ``max-age`` (``no-store``, ``no-cache``: the
    minimum), clamped to the settings' minimum and maximum."""
    low = int(provider_settings.CLIENT_ID_METADATA_DOCUMENT_MIN_CACHE_SECONDS)
    high = int(provider_settings.CLIENT_ID_METADATA_DOCUMENT_MAX_CACHE_SECONDS)
    age = high
    if cache_control:
        if re.search(r"no-store|no-cache", cache_control, re.IGNORECASE):
            age = low
        else:
            found = MAX_AGE.search(cache_control)
            if found:
                age = int(found.group(1))
    return max(low, min(age, high))


def _read(response: Any, deadline: float) -> bytes:
    limit = int(provider_settings.CLIENT_ID_METADATA_DOCUMENT_MAX_BYTES)
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise MetadataDocumentError(f"The client metadata document is larger than {limit} bytes.")
    body = b""
    for chunk in response.stream(1024):
        body += chunk
        if len(body) > limit:
            raise MetadataDocumentError(f"The client metadata document is larger than {limit} bytes.")
        if time.monotonic() > deadline:
            raise MetadataDocumentError("The client metadata document took too long to fetch.")
    return body


def fetch_document(url: str) -> tuple[dict[str, Any], int]:
    """The JSON document at ``url`` and how many seconds to keep it; raises
    :class:`MetadataDocumentError`."""
    problem = url_problem(url)
    if problem:
        raise MetadataDocumentError(problem)
    parts = urlsplit(url)
    host = parts.hostname or ""
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    timeout = float(provider_settings.CLIENT_ID_METADATA_DOCUMENT_TIMEOUT_SECONDS)
    deadline = time.monotonic() + timeout
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Host": parts.netloc, "Accept": "application/json"}
    last: Exception | None = None
    for address in _addresses(host, port):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        # Connect to the address checked above, while TLS verifies the URL's host: a second
        # DNS answer cannot move the connection elsewhere.
        options: dict[str, Any] = {
            "timeout": urllib3.Timeout(connect=remaining, read=remaining, total=remaining),
            "retries": False,
            "maxsize": 1,
        }
        if secure:
            options.update(
                ssl_context=ssl.create_default_context(), server_hostname=host, assert_hostname=host
            )
            pool: Any = urllib3.HTTPSConnectionPool(address, port, **options)
        else:
            pool = urllib3.HTTPConnectionPool(address, port, **options)
        try:
            response = pool.urlopen("GET", path, headers=headers, redirect=False, preload_content=False)
            try:
                if response.status != 200:
                    raise MetadataDocumentError(
                        f"The client metadata document answered HTTP {response.status} "
                        "(redirects are not followed)."
                    )
                media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if media_type != "application/json" and not (
                    media_type.startswith("application/") and media_type.endswith("+json")
                ):
                    raise MetadataDocumentError("The client metadata document is not JSON.")
                body = _read(response, deadline)
                cache_control = response.headers.get("Cache-Control")
            finally:
                response.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            last = exc
            continue
        finally:
            pool.close()
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MetadataDocumentError("The client metadata document is not valid JSON.") from exc
        if not isinstance(data, dict):
            raise MetadataDocumentError("The client metadata document must be a JSON object.")
        return data, _max_age(cache_control)
    if last is not None and "timed out" in str(last).lower():
        raise MetadataDocumentError("The client metadata document took too long to fetch.")
    raise MetadataDocumentError("The client metadata document could not be fetched.")


def _application_fields(url: str, data: dict[str, Any]) -> dict[str, Any]:
    if data.get("client_id") != url:
        raise MetadataDocumentError("The document's client_id is not the URL it was fetched from.")
    if "client_secret" in data or "client_secret_expires_at" in data:
        raise MetadataDocumentError("A client metadata document may not carry a secret.")
    try:
        metadata = parse_client_metadata(data, registration_policy(), public_only=True)
    except (InvalidClientMetadata, InvalidRedirectUri) as exc:
        raise MetadataDocumentError(exc.description) from exc
    fields = metadata.application_fields()
    fields["name"] = fields["name"] or (urlsplit(url).hostname or url)
    return fields


def resolve_client(url: str, known: Any | None) -> Any | None:
    """The client whose ``client_id`` is ``url``: ``known`` while its document is fresh,
    else the document fetched again, checked and stored; ``None`` when that fails (the
    client is then unknown: the authorization endpoint shows an error page)."""
    now = timezone.now()
    if known is not None:
        if known.registration_source != CIMD:
            return known
        if not known.is_active or (known.cimd_expires_at and known.cimd_expires_at > now):
            return known
    try:
        data, max_age = fetch_document(url)
        fields = _application_fields(url, data)
    except MetadataDocumentError as exc:
        log.warning("client metadata document refused: %s", exc)
        return None
    Application = get_application_model()
    fields.update(cimd_expires_at=now + timedelta(seconds=max_age), registration_source=CIMD)
    created = False
    try:
        with transaction.atomic():
            application, created = Application.objects.update_or_create(client_id=url, defaults=fields)
    except IntegrityError:
        # Another request stored it first.
        application = Application.objects.filter(client_id=url).first()
    if created:
        signals.client_created.send(sender=Application, application_id=application.pk, client_id=url)
    return application

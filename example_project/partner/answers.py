"""What the hotel API answered, as the partner's pages show it: the status line and, for a
refusal, the RFC 6750 §3 error from the ``WWW-Authenticate`` challenge (or the JSON body's
message), readably, never as Python's text of a dict."""

import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

__all__ = ["ApiAnswer", "challenge_parameters"]

# auth-param = token "=" quoted-string (RFC 6750 §3; RFC 9110 §11.2)
CHALLENGE_PARAMETER = re.compile(r'([A-Za-z_]+)="((?:[^"\\]|\\.)*)"')


def challenge_parameters(header: str) -> dict[str, str]:
    """``Bearer realm="api", error="insufficient_scope"`` -> ``{"realm": "api", "error": ...}``."""
    scheme, _, parameters = header.partition(" ")
    if scheme.lower() != "bearer":
        return {}
    return {name: re.sub(r"\\(.)", r"\1", value) for name, value in CHALLENGE_PARAMETER.findall(parameters)}


def body_message(data: Any) -> str:
    """The message of an error body: DRF's ``detail``, the RFC's ``error_description``, or the
    fields' validation messages."""
    if isinstance(data, dict):
        if "detail" in data:
            return str(data["detail"])
        if "error_description" in data:
            return str(data["error_description"])
        parts = []
        for name, messages in data.items():
            text = " ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
            parts.append(text if name == "non_field_errors" else f"{name}: {text}")
        return " ".join(parts)
    if isinstance(data, list):
        return " ".join(str(item) for item in data)
    return str(data or "")


@dataclass
class ApiAnswer:
    """One API call and its answer."""

    method: str
    path: str
    status: int
    reason: str
    #: The JSON body (on success, the data the page shows).
    data: Any = None
    #: RFC 6750 §3.1: ``invalid_request``, ``invalid_token`` or ``insufficient_scope``.
    error: str = ""
    description: str = ""
    #: The scope the API asked for (``insufficient_scope``).
    scope: str = ""
    challenge: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_response(cls, method: str, path: str, response) -> "ApiAnswer":
        try:
            data = response.json()
        except ValueError:
            data = response.text[:300] or None
        challenge = challenge_parameters(response.headers.get("WWW-Authenticate", ""))
        answer = cls(
            method=method,
            path=path,
            status=response.status_code,
            reason=response.reason or HTTPStatus(response.status_code).phrase,
            data=data,
            challenge=challenge,
        )
        if not answer.ok:
            answer.error = challenge.get("error", "")
            answer.description = challenge.get("error_description") or body_message(data)
            answer.scope = challenge.get("scope", "")
        return answer

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def status_line(self) -> str:
        return f"{self.status} {self.reason}"

    def text(self) -> str:
        """One readable sentence: ``403 Forbidden: insufficient_scope: The access token lacks a
        required scope: hotel:manage.``"""
        if self.ok:
            return f"{self.method} /api{self.path} answered {self.status_line}."
        parts = [f"{self.method} /api{self.path} answered {self.status_line}"]
        if self.error:
            parts.append(f"error {self.error}")
        text = ", ".join(parts) + (f": {self.description}" if self.description else ".")
        if self.scope and self.scope not in self.description:
            text += f" The API needs the scope {self.scope}."
        return text

"""The README's quickstart, as a new user would follow it, so that it cannot drift again.

The test reads README.rst itself. Each snippet it follows is marked with a comment,
``.. quickstart: <action> [<file>]``, just before its code block:

``run``
   a console block: each ``$`` command is run in order, and the output shown under it
   is compared with what the command printed (for JSON: the same keys, and the same
   values except the generated ones);
``append <file>``, ``write <file>``
   a Python block added to the end of ``<file>``, or written as ``<file>``.

It builds a brand-new ``django-admin startproject`` site in a temporary directory, runs its
``manage.py`` commands as subprocesses, serves it with ``runserver`` and reaches a client
credentials token and the protected DRF view with ``curl``. What it adapts, and only that:
``pip install`` is skipped (the package is installed in the environment running the tests),
``createsuperuser`` gets its answers as options, and the server listens on a free port
instead of 8000, in the snippets and commands alike. The site has its own SQLite database,
so the PostgreSQL runs leave the test out (marker ``quickstart``).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .demo_servers import free_port

pytestmark = pytest.mark.quickstart

README = Path(__file__).resolve().parent.parent / "README.rst"
MARK = re.compile(r"^\s*\.\. quickstart: (?P<action>run|append|write)(?: (?P<target>\S+))?\s*$")
CODE_BLOCK = re.compile(r"^(?P<indent>\s*)\.\. code-block:: \S+\s*$")
README_ADDRESS = "127.0.0.1:8000"
# Values a run generates afresh; the README shows examples of them.
GENERATED = {"client_id", "client_secret", "access_token"}
BIN = Path(sys.executable).parent


@dataclass
class Snippet:
    action: str
    target: str | None
    text: str


def readme_snippets() -> list[Snippet]:
    """Every marked code block of the README, in order, dedented."""
    lines = README.read_text().splitlines()
    found = []
    for number, line in enumerate(lines):
        mark = MARK.match(line)
        if not mark:
            continue
        directive = next(i for i in range(number + 1, len(lines)) if lines[i].strip())
        block = CODE_BLOCK.match(lines[directive])
        assert block, f"README.rst line {number + 1}: the mark is not followed by a code block"
        indent = len(block["indent"])
        body = []
        for text in lines[directive + 1 :]:
            if text.strip() and len(text) - len(text.lstrip()) <= indent:
                break
            body.append(text)
        found.append(Snippet(mark["action"], mark["target"], textwrap.dedent("\n".join(body)).strip("\n")))
    return found


def console_commands(text: str) -> list[tuple[str, str]]:
    """``(command, output shown under it)`` for each ``$`` line, continuation lines joined."""
    entries: list[tuple[str, list[str]]] = []
    lines = iter(text.splitlines())
    for line in lines:
        if line.startswith("$ "):
            command = line[2:]
            while command.endswith("\\"):
                command = command[:-1].rstrip() + " " + next(lines).strip()
            entries.append((command, []))
        elif entries:
            entries[-1][1].append(line)
    return [(command, "\n".join(output)) for command, output in entries]


@dataclass
class NewSite:
    """The site the README builds, and what its commands leave behind."""

    directory: Path
    address: str
    env: dict[str, str]
    variables: dict[str, str] = field(default_factory=dict)
    last_output: str = ""
    server: subprocess.Popen | None = None

    def localised(self, text: str) -> str:
        return text.replace(README_ADDRESS, self.address)

    def follow(self, snippet: Snippet) -> None:
        if snippet.action == "run":
            for command, shown in console_commands(snippet.text):
                self.run(self.localised(command))
                compare_output(command, shown, self.last_output)
            return
        path = self.directory / str(snippet.target)
        text = self.localised(snippet.text) + "\n"
        if snippet.action == "append":
            assert path.exists(), f"{snippet.target} should exist before the README appends to it"
            path.write_text(path.read_text() + "\n" + text)
        else:
            path.write_text(text)

    def run(self, command: str) -> None:
        words = shlex.split(command)
        assignment = re.fullmatch(r"(\w+)=paste-the-(\w+)", command)
        if assignment:
            name, member = assignment.groups()
            self.variables[name] = json.loads(self.last_output)[member]
        elif words[:3] == ["python", "-m", "pip"]:
            pass  # the package is installed where the tests run
        elif words[0] == "cd":
            self.directory = self.directory / words[1]
        elif words[0] == "django-admin":
            self.execute([str(BIN / "django-admin"), *words[1:]])
        elif words[:3] == ["python", "manage.py", "runserver"]:
            self.start_server([sys.executable, "manage.py", "runserver", self.address, *words[3:]])
        elif words[:3] == ["python", "manage.py", "createsuperuser"]:
            answers = ["--noinput", "--username", "admin", "--email", "admin@example.com"]
            self.execute([sys.executable, *words[1:], *answers], DJANGO_SUPERUSER_PASSWORD="quick-start-pw")
        elif words[0] == "python":
            self.execute([sys.executable, *words[1:]])
        elif words[0] == "curl":
            self.execute(["bash", "-c", command], **self.variables)
        else:
            pytest.fail(f"The README runs {command!r}, which this test does not know how to follow.")

    def execute(self, arguments: list[str], **env: str) -> None:
        result = subprocess.run(
            arguments,
            cwd=self.directory,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"{arguments} failed:\n{result.stdout}\n{result.stderr}"
        self.last_output = result.stdout

    def start_server(self, arguments: list[str]) -> None:
        log = self.directory / "runserver.log"
        with log.open("w") as output:
            self.server = subprocess.Popen(
                arguments,
                cwd=self.directory,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while not answers(f"http://{self.address}/admin/login/"):
            assert self.server.poll() is None, f"runserver stopped:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"runserver did not answer:\n{log.read_text()}"
            time.sleep(0.2)
        self.last_output = ""

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            self.server.wait(timeout=30)

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """A GET that does not follow redirects."""

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(f"http://{self.address}{path}", timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def compare_output(command: str, shown: str, printed: str) -> None:
    """What the README shows under a command is what it prints (JSON: same keys and values,
    except the generated ones)."""
    if not shown.strip():
        return
    try:
        expected = json.loads(shown)
    except ValueError:
        pytest.fail(f"The README shows output of {command!r} that is not JSON:\n{shown}")
    actual = json.loads(printed)
    assert set(actual) == set(expected), f"{command!r} printed {printed}"
    for key, value in expected.items():
        if key not in GENERATED:
            shows = f"{command!r} printed {key}={actual[key]!r}, the README shows {value!r}"
            assert actual[key] == value, shows


@pytest.fixture
def site(tmp_path) -> Iterator[NewSite]:
    if not shutil.which("curl"):
        if os.environ.get("CI"):
            pytest.fail("curl is needed to follow the README's quickstart")
        pytest.skip("curl is not installed; the README's quickstart uses it")
    # The new site's manage.py picks its own settings; nothing of the test run's may leak in.
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "PYTHON"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    new = NewSite(tmp_path, f"127.0.0.1:{free_port()}", env)
    yield new
    new.stop()


def test_the_snippets_are_marked_in_order():
    actions = [(snippet.action, snippet.target) for snippet in readme_snippets()]
    assert actions[:4] == [
        ("run", None),
        ("append", "mysite/settings.py"),
        ("write", "mysite/views.py"),
        ("write", "mysite/urls.py"),
    ]
    assert all(action == "run" for action, _ in actions[4:])


def test_the_readme_quickstart_reaches_a_token_and_the_protected_view(site):
    for snippet in readme_snippets():
        site.follow(snippet)

    # Step 8's answer: the view saw the client's token, with its scope and no user.
    answer = json.loads(site.last_output)
    assert answer == {
        "client_id": site.variables["CLIENT_ID"],
        "user": None,
        "scopes": ["bookings:read"],
    }
    assert set(site.variables) == {"CLIENT_ID", "CLIENT_SECRET", "ACCESS_TOKEN"}

    # Without a token, and with a token lacking the scope: RFC 6750 §3.
    status, headers, _ = site.get("/api/bookings/")
    assert status == 401
    assert headers["WWW-Authenticate"] == 'Bearer realm="api"'

    # The metadata names the server as ISSUER says (RFC 8414 §2), and no legacy grant.
    status, _, body = site.get("/.well-known/oauth-authorization-server")
    metadata = json.loads(body)
    assert metadata["issuer"] == f"http://{site.address}"
    assert metadata["token_endpoint"] == f"http://{site.address}/oauth/token/"
    assert metadata["grant_types_supported"] == ["authorization_code", "refresh_token", "client_credentials"]

    # The authorization endpoint sends a visitor to a login page that exists.
    status, headers, _ = site.get("/oauth/authorize/?response_type=code&client_id=x")
    assert status == 302
    assert headers["Location"].startswith("/accounts/login/?next=")
    status, _, body = site.get(headers["Location"])
    assert status == 200
    assert b'name="password"' in body

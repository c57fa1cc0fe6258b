"""The fleet rig: servers of the demo's hotel site (``demo.fleet_settings``) over one
PostgreSQL database and one Redis, behind a real HAProxy or PgBouncer, each a process of
its own on a free port, as docs/deployment.rst runs them.

The database is named after the test database with ``_fleet`` appended, created, migrated
and seeded once per test run, and dropped afterwards. The servers share a Redis database
(``TEST_FLEET_REDIS_DB``, default 10) under a key prefix of their own, deleted afterwards;
nothing else in that database is touched.

Clients reach the servers from addresses of their own (:func:`client`): every address in
127.0.0.0/8 is the loopback interface on Linux, so a test that needs its own rate-limit
and lockout counters binds its requests to an address no other test uses.
"""

from __future__ import annotations

import html.parser
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter

from .demo_servers import (
    EXAMPLE_PROJECT,
    create_postgres_database,
    drop_postgres_database,
    free_port,
    postgres_server,
)

__all__ = [
    "CLIENTS",
    "HAPROXY",
    "PGBOUNCER",
    "RUNTIME_COMMANDS",
    "Fleet",
    "HAProxy",
    "OAuthClient",
    "Server",
    "client",
    "fleet_database",
    "haproxy",
    "haproxy_config",
    "pgbouncer",
    "pgbouncer_config",
    "remove_pgbouncer",
    "require_executable",
    "restart",
    "serve",
    "served_by",
    "server_command",
    "stop_all",
]

HAPROXY = "/usr/sbin/haproxy"
PGBOUNCER = "/usr/sbin/pgbouncer"
GUNICORN_CONFIG = "demo/gunicorn.conf.py"

# The demo's clients (example_project/demo/credentials.py).
CLIENTS = {
    "partner-web": "partner-web-demo-secret-not-for-production",
    "partner-service": "partner-service-demo-secret-not-for-production",
    "partner-cli": "partner-cli-demo-secret-not-for-production",
}
PARTNER_WEB_REDIRECT_URI = "http://127.0.0.1:8001/callback/"
ALICE = ("alice", "alice-demo-password")


def require_executable(path: str, package: str) -> None:
    """Fail in CI, skip elsewhere, when a Debian package the rig needs is missing."""
    if os.access(path, os.X_OK):
        return
    message = f"{path} is missing; `make fleet-deps` installs Debian's {package}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _redis_url() -> str:
    return f"redis://127.0.0.1:6379/{os.environ.get('TEST_FLEET_REDIS_DB', '10')}"


def _delete_keys(prefix: str) -> None:
    import redis

    connection = redis.Redis.from_url(_redis_url())
    for key in connection.scan_iter(f"{prefix}:*"):
        connection.delete(key)
    connection.close()


@dataclass
class FleetDatabase:
    name: str
    directory: Path

    def env(self, **overrides: str) -> dict[str, str]:
        """The environment of a server (or a management command) of this fleet."""
        env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
        env.update(
            DJANGO_SETTINGS_MODULE="demo.fleet_settings",
            DEMO_DATABASE_NAME=self.name,
            DEMO_REDIS_URL=_redis_url(),
            PYTHONUNBUFFERED="1",
            **{f"PG{key.upper()}": value for key, value in postgres_server().items()},
        )
        env.update(overrides)
        return env

    def manage(self, *arguments: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=EXAMPLE_PROJECT,
            env=self.env(**env),
            capture_output=True,
            text=True,
            check=False,
        )

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(dbname=self.name, autocommit=True, **postgres_server()) as connection:
            return connection.execute(sql, params).fetchall()

    def execute(self, sql: str, params: tuple = ()) -> None:
        import psycopg

        with psycopg.connect(dbname=self.name, autocommit=True, **postgres_server()) as connection:
            connection.execute(sql, params)


@contextmanager
def fleet_database(directory: Path) -> Iterator[FleetDatabase]:
    """The fleet's database, migrated and seeded with the demo's users and clients."""
    name = os.environ.get("TEST_DATABASE_NAME", "test_oauth_provider") + "_fleet"
    create_postgres_database(name)
    database = FleetDatabase(name, directory)
    try:
        for command in (["migrate", "--noinput", "--verbosity=0"], ["seed_demo"]):
            result = database.manage(*command)
            if result.returncode:
                pytest.fail(f"manage.py {' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
        yield database
    finally:
        drop_postgres_database(name)


# -- processes ------------------------------------------------------------------------------------


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


@dataclass
class Server:
    """One process the rig started: a server of the demo, HAProxy or PgBouncer."""

    name: str
    port: int
    command: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready: Callable[[], bool] | None = None, timeout: float = 30) -> Server:
        with self.log.open("a") as output:
            self.process = subprocess.Popen(
                self.command, cwd=EXAMPLE_PROJECT, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        check = ready or (lambda: _answers(self.port))
        while not check():
            if self.process.poll() is not None:
                pytest.fail(
                    f"{self.name} stopped with status {self.process.returncode}:\n{self.log.read_text()}"
                )
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"{self.name} did not start in {timeout} s:\n{self.log.read_text()}")
            time.sleep(0.1)
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int | None:
        """Stop the process (gunicorn and uvicorn finish the requests they hold first)."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""


def _healthy(port: int) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{port}/health/", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    return check


def server_command(kind: str, port: int, workers: int) -> list[str]:
    """The command that serves the demo (in ``example_project``), as docs/deployment.rst
    shows it: gunicorn with the demo's settings file, or uvicorn."""
    if kind == "gunicorn":
        return [
            "gunicorn",
            "demo.wsgi:application",
            "--config",
            GUNICORN_CONFIG,
            "--bind",
            f"127.0.0.1:{port}",
        ]
    return [
        "uvicorn", "demo.asgi:application", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--no-access-log",
    ]  # fmt: skip


def serve(
    database: FleetDatabase,
    name: str,
    *,
    kind: str = "gunicorn",
    port: int = 0,
    workers: int = 2,
    **env: str,
) -> Server:
    """A server of the demo under gunicorn (sync workers) or uvicorn, the commands of
    docs/deployment.rst, started and answering its health endpoint."""
    port = port or free_port()
    metrics_directory = database.directory / f"metrics-{name}"
    shutil.rmtree(metrics_directory, ignore_errors=True)
    metrics_directory.mkdir()
    server_env = database.env(
        PROMETHEUS_MULTIPROC_DIR=str(metrics_directory), WEB_CONCURRENCY=str(workers), **env
    )
    command = server_command(kind, port, workers)
    command = [str(Path(sys.executable).parent / command[0]), *command[1:]]
    server = Server(name, port, command, server_env, database.directory / f"{name}.log")
    return server.start(_healthy(port))


def restart(server: Server) -> Server:
    """Stop a server and start it again on the same port, with its metrics reset."""
    server.stop()
    metrics_directory = Path(server.env["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(metrics_directory, ignore_errors=True)
    metrics_directory.mkdir()
    return server.start(_healthy(server.port))


# -- HAProxy --------------------------------------------------------------------------------------

HAPROXY_CONFIG = """\
global
    maxconn 1024
    stats socket {socket} mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    # A connection refused (a server stopped) is tried on another server; a request that
    # reached a server is never sent twice: a token request is not idempotent.
    retries 3
    option redispatch
    retry-on conn-failure

frontend oauth
    bind 127.0.0.1:{port}
    option forwardfor
    # A sync worker is held only once the whole request has arrived.
    option http-buffer-request
    http-request deny if {{ path_beg /metrics }}
    default_backend demo

backend demo
    balance roundrobin
    option httpchk
    http-check send meth GET uri /health/ ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
    http-response set-header X-Served-By %[srv_name]
{servers}
"""


#: HAProxy's runtime API, as a rolling restart uses it (docs/deployment.rst).
RUNTIME_COMMANDS = {
    "drain": "set server demo/{name} state drain",
    "stat": "show stat",
    "maint": "set server demo/{name} state maint",
    "ready": "set server demo/{name} state ready",
}


def haproxy_config(socket: str, port: int, servers: list[tuple[str, int]]) -> str:
    lines = "\n".join(f"    server {name} 127.0.0.1:{server_port} check" for name, server_port in servers)
    return HAPROXY_CONFIG.format(socket=socket, port=port, servers=lines)


@dataclass
class HAProxy:
    """HAProxy in front of the servers, round robin, with its runtime API on a socket."""

    server: Server
    socket: Path
    backends: dict[str, Server] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def command(self, line: str) -> str:
        """One command of HAProxy's runtime API (what ``socat`` would send)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(str(self.socket))
            connection.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def stat(self, name: str) -> dict[str, str]:
        """The ``show stat`` line of one server of the backend."""
        lines = self.command(RUNTIME_COMMANDS["stat"]).splitlines()
        header = lines[0].lstrip("# ").split(",")
        for line in lines[1:]:
            values = dict(zip(header, line.split(","), strict=False))
            if values.get("pxname") == "demo" and values.get("svname") == name:
                return values
        raise KeyError(name)

    def wait_for(self, name: str, predicate: Callable[[dict[str, str]], bool], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self.stat(name)):
            if time.monotonic() > deadline:
                raise AssertionError(f"{name}: {self.stat(name)}")
            time.sleep(0.05)

    def drain(self, name: str) -> None:
        """Send the server no new requests, and wait until it holds none."""
        self.command(RUNTIME_COMMANDS["drain"].format(name=name))
        self.wait_for(name, lambda stat: stat["scur"] == "0" and stat["qcur"] == "0")
        self.command(RUNTIME_COMMANDS["maint"].format(name=name))

    def ready(self, name: str) -> None:
        """Put the server back in rotation, once its health checks pass."""
        self.command(RUNTIME_COMMANDS["ready"].format(name=name))
        self.wait_for(name, lambda stat: stat["status"] == "UP")


def haproxy(directory: Path, servers: list[Server], port: int = 0) -> HAProxy:
    port = port or free_port()
    runtime = directory / "haproxy.sock"
    config = directory / "haproxy.cfg"
    config.write_text(haproxy_config(str(runtime), port, [(server.name, server.port) for server in servers]))
    process = Server(
        "haproxy", port, [HAPROXY, "-db", "-f", str(config)], dict(os.environ), directory / "haproxy.log"
    )
    balancer = HAProxy(process.start(), runtime, {server.name: server for server in servers})
    for server in servers:
        balancer.wait_for(server.name, lambda stat: stat["status"] == "UP")
    return balancer


# -- PgBouncer ------------------------------------------------------------------------------------

PGBOUNCER_CONFIG = """\
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 200
ignore_startup_parameters = extra_float_digits,options
logfile = {directory}/pgbouncer.log
"""


def pgbouncer_config(host: str, port: str, listen: int, directory: str, pool_size: int) -> str:
    return PGBOUNCER_CONFIG.format(
        host=host, port=port, listen=listen, directory=directory, pool_size=pool_size
    )


def pgbouncer(pool_size: int = 2) -> Server:
    """PgBouncer in transaction mode in front of the test PostgreSQL: ``pool_size`` server
    connections per database and user, however many clients. Its files are in a directory
    of its own (PgBouncer runs as ``postgres`` when the tests run as root); remove it with
    :func:`remove_pgbouncer`."""
    directory = Path(tempfile.mkdtemp(prefix="oauth-provider-pgbouncer-"))
    directory.chmod(0o755)
    server = postgres_server()
    port = free_port()
    (directory / "userlist.txt").write_text(f'"{server["user"]}" ""\n')
    config = directory / "pgbouncer.ini"
    config.write_text(pgbouncer_config(server["host"], server["port"], port, str(directory), pool_size))
    command = [PGBOUNCER, str(config)]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        for path in [directory, *directory.iterdir()]:
            shutil.chown(path, "postgres")
        command[1:1] = ["-u", "postgres"]
    return Server("pgbouncer", port, command, dict(os.environ), directory / "stdout.log").start()


def remove_pgbouncer(bouncer: Server) -> None:
    bouncer.stop()
    shutil.rmtree(bouncer.log.parent, ignore_errors=True)


# -- clients --------------------------------------------------------------------------------------


class _SourceAddress(HTTPAdapter):
    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(pool_connections=4, pool_maxsize=32)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client(base_url: str, address: str = "127.0.0.1") -> OAuthClient:
    """An OAuth client and browser at ``base_url``, its connections made from ``address``."""
    session = requests.Session()
    adapter = _SourceAddress(address)
    session.mount("http://", adapter)
    return OAuthClient(base_url.rstrip("/"), session, address)


class _FormInputs(html.parser.HTMLParser):
    """The values a browser would submit from each form of the page, without its buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append([])
        elif tag == "input" and self.forms and values.get("name"):
            if values.get("type") == "hidden" or (values.get("type") == "checkbox" and "checked" in values):
                self.forms[-1].append((values["name"], values.get("value", "")))


def form_fields(page: str, carrying: str = "client_id") -> list[tuple[str, str]]:
    """The fields of the page's first form with a field named ``carrying``: by default the
    consent form (the site's header may have a form of its own, a log-out button)."""
    parser = _FormInputs()
    parser.feed(page)
    return next(form for form in parser.forms if any(name == carrying for name, _ in form))


def basic(client_id: str) -> tuple[str, str]:
    return client_id, CLIENTS[client_id]


@dataclass
class OAuthClient:
    base: str
    session: requests.Session
    address: str
    timeout: float = 15

    def clone(self) -> OAuthClient:
        """The same browser (its cookies) on a session of its own, for another thread."""
        other = client(self.base, self.address)
        other.session.cookies.update(self.session.cookies)
        return other

    def get(self, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.session.get(
            self.base + path, headers=headers, timeout=self.timeout, allow_redirects=False, **kwargs
        )

    def post(self, path: str, data: dict | list, auth: tuple[str, str] | None = None) -> requests.Response:
        return self.session.post(
            self.base + path, data=data, auth=auth, timeout=self.timeout, allow_redirects=False
        )

    def token(self, data: dict, client_id: str = "partner-service") -> requests.Response:
        return self.post("/oauth/token/", data, auth=basic(client_id))

    def client_credentials(self, secret: str | None = None) -> requests.Response:
        auth = ("partner-service", secret) if secret else basic("partner-service")
        return self.post(
            "/oauth/token/", {"grant_type": "client_credentials", "scope": "reports:read"}, auth=auth
        )

    def revoke(self, token: str, client_id: str = "partner-service") -> requests.Response:
        return self.post("/oauth/revoke/", {"token": token}, auth=basic(client_id))

    def introspect(self, token: str, client_id: str = "partner-service") -> requests.Response:
        return self.post("/oauth/introspect/", {"token": token}, auth=basic(client_id))

    def login(self, username: str = ALICE[0], password: str = ALICE[1]) -> None:
        page = self.get("/accounts/login/")
        assert page.status_code == 200, page.text
        fields = dict(form_fields(page.text, carrying="csrfmiddlewaretoken"))
        response = self.post("/accounts/login/", {**fields, "username": username, "password": password})
        assert response.status_code == 302, response.text

    def authorize(self, challenge: str, scope: str = "bookings:read", state: str = "s") -> requests.Response:
        query = {
            "response_type": "code",
            "client_id": "partner-web",
            "redirect_uri": PARTNER_WEB_REDIRECT_URI,
            "scope": scope,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        return self.get("/oauth/authorize/?" + urlencode(query))

    def consent(self, page: requests.Response) -> requests.Response:
        """Allow what the consent page asks, as a browser submitting the form would."""
        url = urlsplit(page.url)
        return self.post(f"{url.path}?{url.query}", [*form_fields(page.text), ("allow", "Authorize")])

    def code(self, challenge: str, **kwargs: str) -> str:
        """An authorization code for alice and partner-web; asks consent if the server does."""
        response = self.authorize(challenge, **kwargs)
        if response.status_code == 200:
            response = self.consent(response)
        assert response.status_code == 302, response.text
        return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]

    def exchange(self, code: str, verifier: str) -> requests.Response:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": PARTNER_WEB_REDIRECT_URI,
            "code_verifier": verifier,
        }
        return self.token(data, client_id="partner-web")

    def refresh(self, refresh_token: str) -> requests.Response:
        return self.token(
            {"grant_type": "refresh_token", "refresh_token": refresh_token}, client_id="partner-web"
        )


def served_by(response: requests.Response) -> str:
    return response.headers.get("X-Served-By", "")


@dataclass
class Fleet:
    """Servers of the demo behind HAProxy."""

    database: FleetDatabase
    servers: list[Server]
    balancer: HAProxy

    def through_balancer(self, address: str = "127.0.0.1") -> OAuthClient:
        return client(self.balancer.url, address)

    def at(self, index: int, address: str = "127.0.0.1") -> OAuthClient:
        return client(self.servers[index].url, address)

    def logs(self) -> str:
        return "\n".join(f"--- {server.name}\n{server.output()}" for server in self.servers)


def stop_all(servers: list[Server], prefix: str | None = None) -> None:
    for server in servers:
        server.stop()
    if prefix:
        _delete_keys(prefix)

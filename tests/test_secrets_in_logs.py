"""docs/security.rst, policy item 8: no client secret, code or token reaches a log record."""

import logging

from .conftest import CLIENT_SECRET, PASSWORD, basic_auth, pkce_pair
from .factories import ApplicationFactory


def test_no_credential_appears_in_any_log_record(flow, owner, confidential_client, caplog):
    caplog.set_level(logging.DEBUG)
    seen: list[str] = [CLIENT_SECRET, PASSWORD]

    verifier, challenge = pkce_pair()
    code = flow.get_code(confidential_client, challenge=challenge)["code"]
    tokens = flow.exchange(confidential_client, code, verifier=verifier).json()
    seen += [code, verifier, tokens["access_token"], tokens["refresh_token"]]
    flow.exchange(confidential_client, code, verifier=verifier)  # replay, logged as a warning
    flow.exchange(confidential_client, code, secret="wrong-secret")
    legacy = ApplicationFactory(grant_types="password refresh_token client_credentials", redirect_uris="")
    auth = basic_auth(legacy.client_id, CLIENT_SECRET)
    issued = flow.token(
        {"grant_type": "password", "username": owner.username, "password": PASSWORD}, HTTP_AUTHORIZATION=auth
    ).json()
    refreshed = flow.token(
        {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}, HTTP_AUTHORIZATION=auth
    ).json()
    flow.token(
        {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}, HTTP_AUTHORIZATION=auth
    )
    service = flow.token({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=auth).json()
    seen += [
        issued["access_token"],
        issued["refresh_token"],
        refreshed["access_token"],
        service["access_token"],
    ]
    flow.post("introspect", {"token": service["access_token"]}, HTTP_AUTHORIZATION=auth)
    flow.post("revoke", {"token": service["access_token"]}, HTTP_AUTHORIZATION=auth)

    assert caplog.records, "the flows above should have logged something (replay and reuse warnings)"
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {record.__dict__!r}" for record in caplog.records
    )
    for secret in seen:
        assert secret not in logged

"""A site's validator and oauthlib server, as docs/extending.rst shows (tests/test_class_hooks.py)."""

from oauth_provider.server.oauthlib_server import Server
from oauth_provider.server.validator import OAuth2Validator

#: The grant types the site's server handled token requests for.
SEEN: list[str] = []


class ContractValidator(OAuth2Validator):
    """Refuses every grant to a client whose description says it has no contract."""

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        if "no contract" in request.client.description:
            return False
        return super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs)


class RecordingServer(Server):
    def create_token_response(self, uri, http_method="POST", body=None, headers=None, credentials=None):
        SEEN.append("token")
        return super().create_token_response(uri, http_method, body, headers, credentials)

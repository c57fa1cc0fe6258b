"""factory-boy factories built on django-oauth-toolkit's get_*_model() helpers."""

import factory
from django.contrib.auth import get_user_model
from oauth2_provider.models import get_application_model

PASSWORD = "correct horse battery staple"
CLIENT_SECRET = "s3cret-" + "x" * 40


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"owner{n}")
    password = factory.django.Password(PASSWORD)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A confidential client with the authorization code and refresh token grants."""

    class Meta:
        model = get_application_model()

    name = factory.Sequence(lambda n: f"Client {n}")
    client_type = "confidential"
    client_secret = CLIENT_SECRET
    grant_types = "authorization_code refresh_token"
    redirect_uris = "https://client.example/callback"


class PublicApplicationFactory(ApplicationFactory):
    client_type = "public"
    client_secret = ""
    redirect_uris = "http://127.0.0.1/callback https://app.example/callback"

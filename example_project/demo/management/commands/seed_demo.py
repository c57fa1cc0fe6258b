"""Create (or reset) the demo user and clients; prints their credentials as JSON."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from oauth2_provider.models import get_application_model

from demo import credentials


class Command(BaseCommand):
    help = "Create or reset the demo user and clients (idempotent) and print their credentials."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        user, _ = User.objects.get_or_create(username=credentials.USERNAME)
        user.set_password(credentials.PASSWORD)
        user.save()

        Application = get_application_model()
        for client_id, fields in credentials.CLIENTS.items():
            app = Application.objects.filter(client_id=client_id).first() or Application(client_id=client_id)
            for name, value in fields.items():
                setattr(app, name, value)
            app.full_clean()
            app.save()

        output = {
            "user": {"username": credentials.USERNAME, "password": credentials.PASSWORD},
            "clients": [
                {"client_id": client_id, **{k: fields[k] for k in ("name", "client_type", "client_secret")}}
                for client_id, fields in credentials.CLIENTS.items()
            ],
        }
        self.stdout.write(json.dumps(output, indent=2))

"""Create the package's tables in a database django-oauth-toolkit already migrated.

django-oauth-toolkit's migrations depend on the app of its swapped models; once this package
swaps them, its applied migrations depend on this package's first one, which is not applied
yet, and ``migrate`` stops with ``InconsistentMigrationHistory`` before doing anything.
This command applies the package's migrations (and only the unapplied ones they need) through
Django's migration executor, without that check; afterwards ``migrate`` runs as usual.
See docs/switching.rst, step 6.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from .common import write_json

__all__ = ["Command", "APP_LABEL"]

APP_LABEL = "oauth_provider"


class Command(BaseCommand):
    help = (
        "Apply oauth_provider's migrations on a database where django-oauth-toolkit's ran before "
        "(where plain migrate reports InconsistentMigrationHistory); then run migrate. Prints JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database to migrate. Default: default."
        )
        parser.add_argument(
            "--plan", action="store_true", help="List the migrations that would be applied; apply none."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        executor = MigrationExecutor(connection)
        targets = [key for key in executor.loader.graph.leaf_nodes() if key[0] == APP_LABEL]
        plan = executor.migration_plan(targets)
        names = [f"{migration.app_label}.{migration.name}" for migration, backwards in plan]
        if any(backwards for _, backwards in plan):
            raise CommandError("The plan would unapply migrations; run migrate instead.")
        if options["plan"]:
            write_json(self, {"would_apply": names})
            return
        if plan:
            # The state before the first of them, as on a new database: django-oauth-toolkit's
            # applied migrations come after the package's (they point at its models).
            first, _ = plan[0]
            state = executor.loader.project_state((first.app_label, first.name), at_end=False)
            executor.migrate(targets, plan=plan, state=state)
        write_json(self, {"applied": names})

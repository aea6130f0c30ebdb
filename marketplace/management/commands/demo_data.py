"""Loads the demo data, idempotently: running it twice changes nothing the second time.

The users are made here; each app adds its own demo rows through `<app>/demo.py`, a module
with `seed(users: DemoUsers) -> None`, so the apps stay independent.
"""

import importlib
import importlib.util

from django.core.management.base import BaseCommand
from django.db import transaction

from marketplace.demo import DEMO_APPS, demo_users_ensure


class Command(BaseCommand):
    help = "Create the demo users, listeners, tiers and tags (safe to run repeatedly)."

    def handle(self, *args, **options):
        with transaction.atomic():
            users = demo_users_ensure()
            for app in DEMO_APPS:
                if importlib.util.find_spec(f"{app}.demo") is not None:
                    importlib.import_module(f"{app}.demo").seed(users)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with a phone below;"))
        self.stdout.write("the SMS code is printed in this console (look for 'SMS to').")
        for label, user in users.as_rows():
            self.stdout.write(f"  {label:<10} {user.phone}  {user.display_name}")

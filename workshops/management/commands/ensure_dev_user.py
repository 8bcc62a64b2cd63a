"""A local superuser «staff» for development. Refuses to run when DEBUG is off."""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "staff"


class Command(BaseCommand):
    help = (
        f"Create the development superuser «{USERNAME}» if missing. The password comes from DEV_ADMIN_PASSWORD, "
        "or is generated and printed once. Only with DEBUG on."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_dev_user only runs with DEBUG on; create production users with createsuperuser.")
        User = get_user_model()
        password = os.environ.get("DEV_ADMIN_PASSWORD", "")
        user, created = User.objects.get_or_create(
            username=USERNAME, defaults={"email": "staff@localhost", "is_staff": True, "is_superuser": True}
        )
        if not created and not (user.is_staff and user.is_superuser and user.is_active):
            user.is_staff = user.is_superuser = user.is_active = True
            user.save(update_fields=["is_staff", "is_superuser", "is_active"])
        if password:
            # The environment decides: running again with a new DEV_ADMIN_PASSWORD changes it.
            user.set_password(password)
            user.save(update_fields=["password"])
            self.stdout.write(f"Superuser «{USERNAME}»: password from DEV_ADMIN_PASSWORD.")
        elif created:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
            self.stdout.write(f"Created superuser «{USERNAME}» with password: {password}")
            self.stdout.write("It is shown only now. Set DEV_ADMIN_PASSWORD to choose your own.")
        else:
            self.stdout.write(f"Superuser «{USERNAME}» exists; password unchanged.")

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "registrations"
    verbose_name = _("Registrations")

    def ready(self):
        from registrations import selectors
        from registrations.staff_groups import staff_groups_after_migrate

        selectors.connect_signals()

        # Every migrate re-applies the staff groups' permissions, so permissions added later are granted too.
        post_migrate.connect(staff_groups_after_migrate, dispatch_uid="registrations.staff_groups")

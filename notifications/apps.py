from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from notifications import (
            checks,  # noqa: F401  (registers the deployment checks)
            selectors,
        )
        from notifications.models import Mailing

        post_save.connect(selectors.first_due_forget, sender=Mailing, dispatch_uid="notifications.first_due.save")
        post_delete.connect(selectors.first_due_forget, sender=Mailing, dispatch_uid="notifications.first_due.delete")

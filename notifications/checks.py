"""Deployment checks (`manage.py check --deploy`): mail and tasks must leave the machine in production.

The embedded defaults suit one developer machine: without EMAIL_URL every email is written as a file to
VAR_DIR/sent-mail, and without CELERY_BROKER_URL tasks are queued as files in VAR_DIR/broker. In production
either fails silently: nobody receives the files, and a worker on another machine never sees a task a web
process queued in its own folder.
"""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def mail_and_tasks_leave_the_machine(app_configs, **kwargs) -> list[Warning]:
    problems = []
    if settings.EMAIL_BACKEND == "notifications.backends.EmlFileBackend":
        problems.append(
            Warning(
                "EMAIL_URL is not set: every email is written as a file to EMAIL_FILE_PATH on this machine "
                "and never sent.",
                hint="Set EMAIL_URL, e.g. smtp://user:password@smtp.example.no:587/?tls=True.",
                id="notifications.W001",
            )
        )
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        problems.append(
            Warning(
                "CELERY_BROKER_URL is not set: tasks are queued as files in VAR_DIR/broker on this machine, "
                "which a worker on another machine never sees.",
                hint="Set CELERY_BROKER_URL, e.g. redis://redis.example.no:6379/0.",
                id="notifications.W002",
            )
        )
    return problems

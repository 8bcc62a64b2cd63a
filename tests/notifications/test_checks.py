"""The deployment checks of notifications/checks.py: mail and tasks must not stay in this machine's files."""

from tests.test_security_headers import run_with_production_settings

DEPLOY_CHECK = ("manage.py", "check", "--deploy", "--fail-level", "WARNING")


def test_it_warns_when_mail_would_be_written_to_files():
    result = run_with_production_settings(*DEPLOY_CHECK, EMAIL_URL="")

    assert result.returncode != 0
    assert "notifications.W001" in result.stderr
    assert "notifications.W002" not in result.stderr


def test_it_warns_when_tasks_would_be_queued_in_files():
    result = run_with_production_settings(*DEPLOY_CHECK, CELERY_BROKER_URL="")

    assert result.returncode != 0
    assert "notifications.W002" in result.stderr
    assert "notifications.W001" not in result.stderr

"""config/settings.py reads the environment strictly: a malformed value stops start-up and names the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOW = "import django; django.setup(); from django.conf import settings as s; print(s.SITE_URL, s.EMAIL_BATCH_SIZE)"


def start(**variables: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter, as a process starting up would."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **variables}
    return subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("EMAIL_BATCH_SIZE", "ten"),
        ("EMAIL_BATCH_SIZE", "0"),
        ("DB_CONN_MAX_AGE", "-1"),
        ("SITE_URL", "127.0.0.1:8000"),
        ("LOG_LEVEL", "LOUD"),
        ("DATABASE_URL", "nonsense"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(name, value):
    result = start(**{name: value})

    assert result.returncode != 0
    assert f'Environment variable "{name}" invalid' in result.stderr


def test_well_formed_values_are_read():
    result = start(SITE_URL="http://127.0.0.1:8101/", EMAIL_BATCH_SIZE="25", DEBUG="off", SECRET_KEY="x" * 50)

    assert (result.returncode, result.stdout) == (0, "http://127.0.0.1:8101 25\n"), result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = start(DEBUG="0", SECRET_KEY="")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr

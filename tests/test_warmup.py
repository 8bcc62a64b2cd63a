"""A web process warms up as it starts (config/warmup.py): what the first registration would otherwise pay
for (about 120 ms of CPU per process), done before the first request, and without any connection."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Load the WSGI application as gunicorn does in each worker, then report what is ready.
LOAD = """
import json, sys
from config.wsgi import application
from config.celery import app
print(json.dumps({
    "celery_finalized": app.finalized,
    "modules": sorted(m for m in ("redis", "kombu.transport.redis", "config.client_ip") if m in sys.modules),
}))
"""
NOWHERE = "127.0.0.1:9"  # the discard port: nothing listens there


def test_a_web_process_is_ready_for_its_first_registration_before_it_serves_anything():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # Redis, the broker and PostgreSQL all away: the process must still start (nothing connects).
        "REDIS_URL": f"redis://{NOWHERE}/0",
        "CELERY_BROKER_URL": f"redis://{NOWHERE}/0",
        "DATABASE_URL": f"postgres://postgres@{NOWHERE}/nowhere",
    }
    env.pop("CACHE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", LOAD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    ready = json.loads(result.stdout.strip().splitlines()[-1])
    assert ready == {
        "celery_finalized": True,
        "modules": ["config.client_ip", "kombu.transport.redis", "redis"],
    }

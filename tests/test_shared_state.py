"""Nothing a request needs is kept on one machine: sessions, uploaded material and the contacts import's
file between preview and confirm live in shared services (README.md, "Running on more than one machine")."""

import ast
import datetime
import json
import os
import subprocess
import sys
import tempfile
import uuid
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from import_export.tmp_storages import CacheStorage

from config import sessions
from config.cache import RedisCache
from config.sessions import SessionStore
from registrations.models import MunicipalContact
from tests.registrations.test_admin_contacts import CSV, GOOD_CSV, confirm, upload

ROOT = Path(__file__).resolve().parent.parent
S3_ENVIRONMENT = {
    "AWS_STORAGE_BUCKET_NAME": "workshops-material",
    "AWS_S3_ENDPOINT_URL": "https://s3.example.no",
    "AWS_S3_REGION_NAME": "eu-north-1",
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "secret-example",
}
SHOW_STORAGE = """
import json, django
django.setup()
from django.core.files.storage import storages
s = storages["default"]
print(json.dumps({
    "backend": type(s).__module__ + "." + type(s).__name__,
    "bucket": s.bucket_name, "endpoint": s.endpoint_url, "region": s.region_name,
    "access_key": s.access_key, "secret_key": s.secret_key,
    "default_acl": s.default_acl, "querystring_auth": s.querystring_auth, "file_overwrite": s.file_overwrite,
    "url": s.url("material/program.pdf"),
}))
"""


def storage_in_a_fresh_process(**variables: str) -> dict:
    """The default storage as a process starting with these variables builds it (no request to the bucket)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **variables}
    result = subprocess.run(
        [sys.executable, "-c", SHOW_STORAGE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_bucket_name_selects_private_s3_storage_with_the_environments_options():
    storage = storage_in_a_fresh_process(**S3_ENVIRONMENT)

    url = storage.pop("url")
    assert storage == {
        "backend": "storages.backends.s3.S3Storage",
        "bucket": "workshops-material",
        "endpoint": "https://s3.example.no",
        "region": "eu-north-1",
        "access_key": "AKIAEXAMPLE",
        "secret_key": "secret-example",
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
    }
    # Any URL the storage makes is signed and expires: never a public address of the file.
    assert url.startswith("https://s3.example.no/workshops-material/material/program.pdf?")
    assert "Signature=" in url and "Expires=" in url


def test_without_a_bucket_files_stay_in_the_media_folder(tmp_path):
    show = "import django; django.setup(); from django.core.files.storage import storages; "
    show += "s = storages['default']; print(type(s).__name__, s.location)"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    storage = subprocess.run(
        [sys.executable, "-c", show],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert storage.stdout.split() == ["FileSystemStorage", str(tmp_path / "media")], storage.stderr


def attribute_uses(path: Path) -> set[str]:
    """The attribute names a module reads (x.path, f.open, …)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}


@pytest.mark.parametrize("module", ["notifications/material.py", "notifications/views.py", "notifications/messages.py"])
def test_material_code_reads_files_through_the_storage_api_only(module):
    uses = attribute_uses(ROOT / module)
    # .path and .temporary_file_path() exist only on a local disk; S3 has neither.
    assert not uses & {"path", "temporary_file_path"}, module


def test_the_material_code_guard_would_see_a_local_path():
    # Guards the test above: it reads attribute names, so a FileField's .path is one.
    assert "path" in {n.attr for n in ast.walk(ast.parse("open(item.file.path)")) if isinstance(n, ast.Attribute)}


def test_sessions_are_kept_in_the_database():
    assert settings.SESSION_ENGINE == "config.sessions"
    assert issubclass(import_module(settings.SESSION_ENGINE).SessionStore, DatabaseSessionStore)


@pytest.mark.django_db
def test_a_new_session_is_one_insert_and_a_taken_key_is_not_reused(monkeypatch):
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["registration_access"] = ["abc"]
    with CaptureQueriesContext(connection) as queries:
        store.save()
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert [s for s in statements if s not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")] == ["INSERT"]
    assert Session.objects.filter(session_key=store.session_key).exists()

    # The next key drawn is the one just used: the INSERT fails, and create() draws again.
    keys = iter([store.session_key, "k" * 32])
    monkeypatch.setattr(sessions, "get_random_string", lambda length, chars: next(keys))
    other = import_module(settings.SESSION_ENGINE).SessionStore()
    other["registration_access"] = ["def"]
    other.save()
    assert other.session_key == "k" * 32
    assert SessionStore(session_key=store.session_key)["registration_access"] == ["abc"]


@pytest.mark.django_db
@pytest.mark.usefixtures("municipality_data")
def test_a_contacts_import_previewed_on_one_host_is_confirmed_on_another(admin_client, monkeypatch):
    assert settings.IMPORT_EXPORT_TMP_STORAGE_CLASS == "import_export.tmp_storages.CacheStorage"
    preview = upload(admin_client, GOOD_CSV, "kontakter.csv", CSV)
    name = preview.context["confirm_form"].initial["import_file_name"]
    assert cache.get(CacheStorage.CACHE_PREFIX + name) is not None  # in the shared cache, not on this disk

    # The confirm reaches a machine whose temporary folder never saw the upload.
    with tempfile.TemporaryDirectory() as other_host_tmp:
        monkeypatch.setattr(tempfile, "tempdir", other_host_tmp)
        confirm(admin_client, preview)

    assert MunicipalContact.objects.count() == 3
    assert cache.get(CacheStorage.CACHE_PREFIX + name) is None  # removed once imported


@pytest.mark.django_db
def test_expired_sessions_are_deleted_by_the_daily_task():
    from registrations import tasks

    live, old = SessionStore(), SessionStore()
    live["registration_access"], old["registration_access"] = ["live"], ["old"]
    live.save()
    old.save()
    Session.objects.filter(session_key=old.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    tasks.clear_expired_sessions()

    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert "registrations.tasks.clear_expired_sessions" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}


@pytest.mark.redis
def test_the_redis_cache_shares_counters_and_reuses_one_client_per_pool():
    """config.cache.RedisCache: Django's backend, one redis-py client per pool rather than one per operation
    (building a client cost most of a rate-limit count). Two backends stand for two processes."""
    location, params = os.environ["REDIS_URL"], {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    here, there = RedisCache(location, params), RedisCache(location, params)

    assert here.add("counter", 1, 60)
    assert not there.add("counter", 1, 60)  # the other process sees it
    assert there.incr("counter") == 2
    assert here.get("counter") == 2
    client = here._cache.get_client(write=True)
    assert here._cache.get_client(write=True) is client
    assert here._cache.get_client() is client  # one server: reads use the same pool
    here.delete("counter")

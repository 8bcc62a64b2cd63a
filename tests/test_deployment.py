"""docker-compose.yml and .env.example agree with config/settings.py (Docker itself does not run here)."""

import re
import runpy
import tomllib
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
# An image named with at least its major version («postgres:16», «redis:7.2», «axllent/mailpit:v1.29»), so a
# rebuild never jumps to the next major release; how far below the major it is pinned is the operators' choice.
IMAGE_WITH_MAJOR_VERSION = re.compile(r"^[a-z0-9][a-z0-9._/-]*:v?\d+(\.\d+)*(-[A-Za-z0-9.]+)?$")


def settings_variables() -> set[str]:
    """The names settings.py reads through environs: env.str/bool/int/list/path/dj_db_url/dj_email_url("NAME", …)."""
    source = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    methods = "str|bool|int|list|path|dj_db_url|dj_email_url"
    return set(re.findall(rf"""\benv\.(?:{methods})\(\s*["']([A-Za-z0-9_]+)["']""", source))


def env_example_variables() -> list[str]:
    """Names assigned in .env.example, whether active (NAME=…) or shown as an example (# NAME=…)."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return re.findall(r"^#?\s?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def command(service: dict) -> str:
    value = service.get("command", "")
    return " ".join(value) if isinstance(value, list) else value


def test_settings_reads_the_variables_we_expect():
    # Guards the parser below: if this fails, settings.py reads variables some other way.
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"} <= (
        settings_variables()
    )


def test_it_has_the_services(services):
    assert {"proxy", "web", "worker", "beat", "db", "redis", "mailpit"} <= set(services)


@pytest.mark.parametrize(
    ("name", "image"), [("db", "postgres"), ("redis", "redis"), ("mailpit", "axllent/mailpit"), ("proxy", "nginx")]
)
def test_server_images_name_their_major_version(services, name, image):
    assert services[name]["image"].split(":")[0] == image
    assert IMAGE_WITH_MAJOR_VERSION.match(services[name]["image"]), services[name]["image"]


def test_the_image_pattern_wants_a_major_version():
    # Guards the pattern above: an untagged or «latest» image would drift to any release.
    assert [bool(IMAGE_WITH_MAJOR_VERSION.match(i)) for i in ("postgres", "redis:latest", "postgres:16-alpine")] == [
        False,
        False,
        True,
    ]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_the_dockerfile_build(services, name):
    build = services[name]["build"]
    if isinstance(build, str):
        build = {"context": build}
    assert build["context"] == "."
    assert build.get("dockerfile", "Dockerfile") == "Dockerfile"
    assert (ROOT / "Dockerfile").is_file()


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_set_only_variables_settings_reads(services, name):
    environment = services[name]["environment"]
    assert set(environment) - settings_variables() == set()
    assert environment["DEBUG"] in ("0", "false", "False", 0, False)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_reach_db_redis_and_mailpit_by_service_name(services, name):
    environment = services[name]["environment"]
    database = urlparse(environment["DATABASE_URL"])
    broker = urlparse(environment["CELERY_BROKER_URL"])
    email = urlparse(environment["EMAIL_URL"])
    assert (database.scheme, database.hostname) == ("postgres", "db")
    assert (broker.scheme, broker.hostname, broker.port) == ("redis", "redis", 6379)
    assert (email.scheme, email.hostname, email.port) == ("smtp", "mailpit", 1025)
    # The database the URL names is the one the db service creates.
    db_env = services["db"]["environment"]
    assert (database.username, database.password, database.path) == (
        db_env["POSTGRES_USER"],
        db_env["POSTGRES_PASSWORD"],
        "/" + db_env["POSTGRES_DB"],
    )


def test_worker_and_beat_run_celery_with_the_config_app(services):
    assert command(services["worker"]).split() == ["celery", "-A", "config", "worker", "-l", "info"]
    assert command(services["beat"]).split() == ["celery", "-A", "config", "beat", "-l", "info"]


def gunicorn_config() -> dict:
    return runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))


def test_web_serves_gunicorn_on_8000_with_the_masking_access_log(services):
    web = services["web"]
    assert command(web).split() == ["gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py"]
    config = gunicorn_config()
    assert config["bind"] == "0.0.0.0:8000"
    assert config["accesslog"] == "-"
    assert config["logger_class"] == "config.gunicorn_logging.MaskingLogger"
    # Reached through the proxy only: a published port would stop `--scale web=3`.
    assert "ports" not in web
    assert [str(port) for port in web["expose"]] == ["8000"]
    # Its health check asks /healthz (config/health.py), which answers 503 until the database is migrated.
    assert "http://127.0.0.1:8000/healthz" in " ".join(web["healthcheck"]["test"])


def test_migrations_run_before_the_app_starts(services):
    assert command(services["migrate"]).split()[:3] == ["python", "manage.py", "migrate"]
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert "healthcheck" in services["db"]
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_dockerfile_runs_gunicorn_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    # A Python the project supports (pyproject's requires-python), whichever minor release it is.
    python = re.search(r"^FROM python:3\.(\d+)(-slim)?$", dockerfile, flags=re.MULTILINE)
    assert python, "the image starts from an official python:3.x image"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    assert int(python.group(1)) >= int(re.fullmatch(r">=3\.(\d+)", requires).group(1))
    assert re.search(r"^RUN pip install \.$", dockerfile, flags=re.MULTILINE)
    assert "collectstatic --noinput" in dockerfile
    users = re.findall(r"^USER (\S+)$", dockerfile, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert re.search(
        r'^CMD \["gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py"\]$', dockerfile, flags=re.MULTILINE
    )


def test_env_example_lists_exactly_the_variables_settings_reads():
    listed = env_example_variables()
    assert len(listed) == len(set(listed)), "a variable is listed twice"
    assert set(listed) == settings_variables()


def test_every_env_example_variable_has_a_comment():
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^#?\s?[A-Z][A-Z0-9_]*=", line):
            # The line above explains it (possibly above a commented-out example).
            above = lines[i - 1]
            assert above.startswith("# ") and not re.match(r"^# [A-Z][A-Z0-9_]*=", above), line


def nginx_config() -> str:
    return (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")


def test_the_proxy_is_the_public_entry_and_balances_over_web(services):
    proxy = services["proxy"]
    assert [str(port) for port in proxy["ports"]] == ["8000:80"]
    assert proxy["volumes"] == ["./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro"]
    assert proxy["depends_on"]["web"] == {"condition": "service_healthy"}
    config = nginx_config()
    # Every replica of the web service, on the port gunicorn binds.
    upstream = re.search(r"upstream (\w+) \{\s*server web:8000;\s*\}", config)
    assert upstream, "an upstream of web:8000"
    assert re.search(rf"proxy_pass http://{upstream.group(1)};", config)
    assert "listen 80;" in config


def test_the_proxy_forwards_what_the_app_reads(services):
    config = nginx_config()
    # Host for ALLOWED_HOSTS, the client's address for the rate limits, the scheme for the HTTPS redirect.
    assert "proxy_set_header Host $http_host;" in config
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in config
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in config
    # One proxy appends one address: the app counts the client as the last one.
    for name in APP_SERVICES:
        assert services[name]["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    # Staff upload material through it: nginx's default of 1 MB would refuse most files.
    size = re.search(r"client_max_body_size (\d+)m;", config)
    assert size and int(size.group(1)) >= 20


def test_the_nginx_config_is_balanced():
    # Braces and statements: a missing «;» or «}» would stop nginx from starting (nginx does not run here).
    lines = [line.split("#")[0].strip() for line in nginx_config().splitlines()]
    code = [line for line in lines if line]
    assert sum(line.count("{") for line in code) == sum(line.count("}") for line in code)
    assert all(line.endswith(("{", "}", ";")) for line in code), code


def test_exactly_one_beat(services):
    beat = services["beat"]
    assert "deploy" not in beat or beat["deploy"].get("replicas", 1) == 1

# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Links in emails must lead to this server. honcho gives each process its own PORT (web PORT, worker +100,
# beat +200), so the worker cannot derive the site's address from it: every process gets SITE_URL instead.
SITE_URL ?= http://127.0.0.1:$(PORT)
# pytest-xdist workers; 2 matches the machines we run on.
TEST_WORKERS ?= 2

.PHONY: venv setup run test lint messages clean drills bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet ".[dev]"
	touch $@

venv: $(VENV)/.installed

# Database, municipalities, the seed and demo workshops, a local staff user.
setup: venv
	mkdir -p var/broker/out var/broker/control var/sent-mail var/media
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_workshop
	$(PY) manage.py seed_workshop --demo
	$(PY) manage.py ensure_dev_user

# Web server, Celery worker and beat in the foreground; one Ctrl-C stops all three.
run: setup
	@# The development broker is a folder (var/broker/). Tasks a previous run left there (perhaps for another
	@# database) would be worked through before this run's; the outbox in the database is what counts, and beat's
	@# sweep queues its pending emails again within minutes. So each run starts with an empty queue.
	find var/broker/out var/broker/control -type f -delete
	@echo "Serving http://127.0.0.1:$(PORT)/ (staff: http://127.0.0.1:$(PORT)/admin/). Ctrl-C stops everything."
	PORT=$(PORT) SITE_URL='$(SITE_URL)' $(VENV)/bin/honcho start -f Procfile.dev

test: venv
	$(VENV)/bin/pytest -n $(TEST_WORKERS)

# Failure drills (drills/*.py, docs/performance.md "Failure drills"): real workers (and in two_machines two
# gunicorn servers), a private Redis on its own port and an SMTP server in the drill, each drill on its own
# database of this PostgreSQL server. Small sizes;
# run a drill by hand for the full ones. Not part of `make test`.
DRILL_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
drills: venv
	DATABASE_URL=$(DRILL_DATABASE_URL) $(PY) drills/worker_kill.py -n 200 --kills 2
	DATABASE_URL=$(DRILL_DATABASE_URL) $(PY) drills/smtp_outage.py -n 200 --outage 10
	$(PY) drills/postgres_restart.py -n 200
	DATABASE_URL=$(DRILL_DATABASE_URL) $(PY) drills/redis_outage.py --before 2 --during 5
	DATABASE_URL=$(DRILL_DATABASE_URL) $(PY) drills/two_machines.py --municipalities 60 --capacity 120
	DATABASE_URL=$(DRILL_DATABASE_URL) $(PY) drills/postgres_burst.py --municipalities 60 --down 3

# Benchmarks (bench/*, docs/performance.md) at a small size, a few minutes in all: each prints its figures.
# BENCH_DATABASE_URL: a PostgreSQL server where the scripts may create and drop their own databases
# (workshops_bench, postgres_bench_mail_fanout); BENCH_REDIS_URL: a Redis database the rush may flush.
# The full sizes: run each script by hand (--help). Needs `npm ci` and Chromium for the page weight.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/9
bench: venv
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/registration_throughput.py --floor-requests 1000
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/mail_fanout.py -n 500
	env -u DATABASE_URL $(PY) bench/backoffice_exports.py -n 2000 --rounds 1
	env -u DATABASE_URL $(PY) bench/backoffice_pages.py -n 2000 --rounds 1
	mkdir -p var && REPORT=var/lighthouse.json bench/lighthouse.sh && $(PY) bench/page_weight.py var/lighthouse.json

lint: venv
	$(VENV)/bin/ruff check .

# Regenerate every translation catalogue in locale/ (nb, nn; needs GNU gettext) and compile them (pure Python,
# polib). Then translate what `scripts/translations_missing.py nb` and `... nn` list.
messages: venv
	$(PY) manage.py makemessages --all --no-obsolete --ignore ".venv/*" --ignore "var/*" --ignore "node_modules/*"
	$(PY) scripts/compile_messages.py

clean:
	rm -rf $(VENV) var db.sqlite3

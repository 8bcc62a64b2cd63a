# The production image: gunicorn on port 8000; the same image runs the Celery worker and beat
# (see docker-compose.yml). Configuration comes from the environment (.env.example lists it all).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. pyproject.toml declares no packages
# (the apps run from /app), so installing "." needs nothing but this file.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Static files are collected into the image (whitenoise serves them). The key only exists for this
# step: settings refuse to start without one when DEBUG is off.
RUN SECRET_KEY=collectstatic-only DEBUG=0 python manage.py collectstatic --noinput

# Run as an unprivileged user that may write only var/ (uploads, the beat schedule).
RUN useradd --system --uid 1000 --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p var/media \
    && chown -R app:app var
USER app

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py"]

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
application = get_wsgi_application()

from config.warmup import web_process_warm  # noqa: E402 - as config/wsgi.py

web_process_warm()

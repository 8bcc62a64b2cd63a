"""gunicorn settings for production (docker-compose.yml and the Dockerfile use ``-c config/gunicorn.conf.py``).

The access log goes to stdout through a logger class that masks the secret half of self-service links.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
accesslog = "-"
logger_class = "config.gunicorn_logging.MaskingLogger"

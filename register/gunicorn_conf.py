"""Gunicorn settings: `gunicorn -c python:register.gunicorn_conf 'register:create_app()'`.

Every value can be overridden from the environment (docs/deploy.md). Workers default to
2 x CPUs + 1, each with a few threads, so a worker waiting on PostgreSQL does not hold up the
requests behind it. The application keeps no state of its own, so any number of these servers
can run behind a load balancer against one PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
# Exports of the whole register can take a while; anything longer is a fault to investigate.
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = 200
# The application writes its own JSON request log (register/observability.py).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The load balancer's addresses whose X-Forwarded-Proto is believed (comma-separated).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Each worker opens its own database connections after the fork.
preload_app = False


def on_starting(server: object) -> None:
    """Load the name data once in the master (rigour's taggers: seconds and hundreds of MB):
    every worker forked from it, recycled ones too, shares those pages and starts ready."""
    from register.matching import load_name_data

    load_name_data()

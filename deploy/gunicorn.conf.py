"""gunicorn's settings for the backend (``gunicorn -c deploy/gunicorn.conf.py taiga.wsgi``).

Sync workers, one per core: the measured best on this project's API (docs/BENCHMARKS.md,
"Backend: which production server"); more help only where requests wait on a database
on another machine. ``GUNICORN_BIND`` and ``WEB_CONCURRENCY`` (gunicorn's
own name) override the address and the number of workers; a command-line flag wins over
both. Each worker runs the events outbox relay unless ``EVENTS_RELAY_IN_PROCESS=False``
(one relays at a time, docs/EVENTS.md).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", len(os.sched_getaffinity(0))))
worker_class = "sync"
# A request that takes longer is cut off and its worker replaced.
timeout = 30
# SIGTERM: workers finish the requests under way, for at most this long.
graceful_timeout = 20
# X-Forwarded-Proto is believed from nginx on this machine only.
forwarded_allow_ips = "127.0.0.1,::1"
accesslog = "-"
errorlog = "-"

"""Production gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every setting comes from the environment, so one file serves a two-core intranet server and a
bigger one:

* ``WEB_CONCURRENCY`` — worker processes (default 2: one per core of the usual server);
* ``PORTAL_GUNICORN_THREADS`` — threads per worker (default 4). Above 1 the workers are
  ``gthread``: a request waiting on the database does not hold the whole process, and HTTP
  keep-alive works (sync workers close the connection after every answer), which is what lets a
  hall of voters casting at once be served without queueing behind one another's round trips.
  1 gives classic ``sync`` workers;
* ``PORTAL_BIND`` — address (default ``127.0.0.1:8000``: behind the province's reverse proxy);
* ``PORTAL_GUNICORN_TIMEOUT`` — seconds before a stuck worker is restarted (default 60: the
  largest PDF, a 1,000-unit scoring sheet, takes a few seconds).

The database pool must hold at least the threads of one worker; SQLAlchemy's default (5 + 10
overflow) does for up to 15 threads.
"""

import os

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("PORTAL_GUNICORN_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
keepalive = 5
timeout = int(os.environ.get("PORTAL_GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30

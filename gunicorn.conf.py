"""gunicorn's hooks for Mentorbot (read from the working directory): one scheduler per worker.

gunicorn -w 2 -k gthread --threads 8 -b 0.0.0.0:3000 wsgi:application
"""

from __future__ import annotations

import sys
from typing import Any


def post_fork(server: Any, worker: Any) -> None:
    # With --preload the app, and its database pool, was built in the master before the fork.
    wsgi = sys.modules.get("wsgi")
    if wsgi is not None:
        wsgi.after_fork()


def post_worker_init(worker: Any) -> None:
    # The worker has imported wsgi: start its delivery scheduler now, not at its first request.
    import wsgi

    wsgi.start_dispatcher_once()


def worker_exit(server: Any, worker: Any) -> None:
    wsgi = sys.modules.get("wsgi")
    if wsgi is not None:
        wsgi.stop_dispatcher()

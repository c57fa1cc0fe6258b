"""gunicorn's settings for a server of the hotel site in a fleet (docs/deployment.rst).

    gunicorn demo.wsgi:application --config demo/gunicorn.conf.py --bind 127.0.0.1:8101

Sync workers behind a load balancer that buffers requests; ``WEB_CONCURRENCY`` of them
(default 2). On SIGTERM gunicorn stops accepting connections and lets each worker finish
the request it holds, for up to ``graceful_timeout`` seconds.
"""

import os

wsgi_app = "demo.wsgi:application"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
# No access log here: the load balancer keeps one.
accesslog = None
# gunicorn 27's control socket: one per host by default, which several servers would share.
control_socket_disable = True


def child_exit(server, worker):
    """prometheus-client's multiprocess mode: forget a worker that has gone."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

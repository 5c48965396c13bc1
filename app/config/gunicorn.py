"""gunicorn for Cloud Run (the image's CMD: gunicorn --config config/gunicorn.py config.wsgi).

https://docs.gunicorn.org/en/stable/settings.html; GUNICORN_CMD_ARGS still overrides any of
this (the tests use it to bind 127.0.0.1).
"""

import os

# The config file runs in the arbiter with app/ on sys.path, before Django is imported.
from config.shutdown import IN_FLIGHT, schedule_cut_report

# Cloud Run sends traffic to $PORT on all interfaces of the container.
bind = [f"0.0.0.0:{os.environ.get('PORT', '8080')}"]

# Threads, not processes, carry concurrency: requests mostly wait on the database, and each
# process holds its own pool (per-instance connections = workers x DB_POOL_MAX_SIZE).
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "1"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))

# Import Django once in the arbiter and fork the workers from it: with 4 workers on 2
# vCPUs, each importing Django itself made the cold start ~3x slower (make bench). Safe
# because nothing opens a database connection at import time: each worker's psycopg pool
# is created on its first query, after the fork.
preload_app = True

# Cloud Run enforces the request timeout itself; a gunicorn timeout would only kill
# workers busy with slow-but-legitimate requests.
timeout = 0
# Cloud Run sends SIGTERM and SIGKILLs 10 s later: finish in-flight requests before that.
graceful_timeout = 8
# Cloud Run's front end keeps connections to the container open between requests.
keepalive = 5

# The Django middleware writes one JSON line per request (with trace ids), so gunicorn's
# own access log would only duplicate it. Its error log uses the same JSON shape.
accesslog = None
# ... and gunicorn would still build every access-log field before dropping the line.
logger_class = "config.gunicorn_logger.NoAccessLogger"
# gunicorn 25+ opens a control socket under $HOME by default; the image's user has no
# writable home, so every boot logged an ERROR (which an error-rate alert counts). Cloud Run
# manages the process; nothing here needs gunicornc.
control_socket_disable = True
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        },
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        },
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        # accesslog=None alone does not silence it once logconfig_dict is set: gunicorn then
        # logs every request a second time (measured: about a third of /health/live/'s
        # throughput). Access lines are INFO, so WARNING keeps them out.
        "gunicorn.access": {"level": "WARNING", "handlers": ["console"], "propagate": False},
    },
}


def pre_request(worker, req):  # gunicorn server hook
    """Track the request so shutdown can name it if the graceful timeout cuts it."""
    IN_FLIGHT.started(req)


def post_request(worker, req, environ, resp):  # gunicorn server hook
    IN_FLIGHT.finished(req)


def post_worker_init(worker):  # gunicorn server hook
    """Stop listening the moment SIGTERM arrives, then drain.

    gunicorn's arbiter closes its copy of the listening socket on SIGTERM, but each worker
    keeps its own open until it has drained (up to graceful_timeout). Meanwhile the kernel
    still completes handshakes into the backlog, and those clients are reset when the worker
    finally closes it. Taking in what is queued, then closing the worker's copy at once,
    makes new connections fail with a clean "connection refused" while in-flight requests
    finish (tests/drills/test_sigterm).
    """
    import signal

    # The signal lands between two bytecodes of gthread's main loop. If select() has just
    # reported the listener readable, the loop then calls accept() on the listener this
    # handler closed, and the worker dies (an ERROR traceback, exit 255: seen when the
    # image ran under podman, tests/image). Callbacks are bound when gthread registers the
    # listener, after this hook, so wrapping accept here covers them.
    accept = worker.accept

    def accept_unless_closed(listener):
        if getattr(listener, "sock", None) is None:  # gunicorn's close() sets None
            return
        try:
            accept(listener)
        except (AttributeError, OSError):
            # The signal can also land inside accept(), between the accept syscall and
            # gthread's listener.getsockname(): the listener is gone by then. Losing that one
            # just-accepted connection beats the worker dying with every request in flight.
            if getattr(listener, "sock", None) is not None:
                raise

    worker.accept = accept_unless_closed

    def stop_listening_then_drain(signum, frame):
        worker.handle_exit(signum, frame)
        # Whatever is still running just before the arbiter's SIGKILL is logged by name.
        schedule_cut_report(IN_FLIGHT, graceful_timeout=worker.cfg.graceful_timeout)
        stop_accepting = getattr(worker, "set_accept_enabled", None)
        if stop_accepting is not None:
            stop_accepting(False)  # out of the poller before the fd goes away
        for listener in worker.sockets:
            # Handshakes the kernel completed before this point wait in the backlog; closing
            # the socket would reset them, so take them in (they are served while draining).
            _accept_backlog(worker, listener)
            listener.close()
        # Likewise between the loop computing "can accept" and acting on it: with the
        # closed listeners still listed, gthread would re-enable them. Nothing to re-enable.
        worker.sockets = []

    signal.signal(signal.SIGTERM, stop_listening_then_drain)


def _accept_backlog(worker, listener):
    """Accept every connection already queued on ``listener`` (non-blocking)."""
    listener.setblocking(False)
    while True:
        before = worker.nr_conns
        worker.accept(listener)  # swallows EAGAIN: nothing left means nr_conns is unchanged
        if worker.nr_conns == before:
            return

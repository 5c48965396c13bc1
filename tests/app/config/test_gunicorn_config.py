"""config/gunicorn.py: the numbers Cloud Run depends on."""

from __future__ import annotations

import runpy
import signal
import socket
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from tests.support.gunicorn import APP_DIR, serve

CONFIG = APP_DIR / "config" / "gunicorn.py"


def test_defaults_suit_cloud_run(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PORT", "GUNICORN_WORKERS", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(CONFIG))
    assert config["bind"] == ["0.0.0.0:8080"]
    assert config["worker_class"] == "gthread"
    assert config["timeout"] == 0
    # Cloud Run SIGKILLs 10 s after SIGTERM.
    assert 0 < config["graceful_timeout"] < 10
    assert config["accesslog"] is None


def test_port_workers_and_threads_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9090")
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "16")
    config = runpy.run_path(str(CONFIG))
    assert (config["bind"], config["workers"], config["threads"]) == (["0.0.0.0:9090"], 3, 16)


def test_no_control_socket_and_no_access_log_work(monkeypatch: pytest.MonkeyPatch) -> None:
    config = runpy.run_path(str(CONFIG))
    assert config["control_socket_disable"] is True
    assert config["logger_class"] == "config.gunicorn_logger.NoAccessLogger"


def test_the_logger_never_builds_access_fields() -> None:
    from gunicorn.config import Config

    from config.gunicorn_logger import NoAccessLogger

    cfg = Config()
    cfg.set("logconfig_dict", {"version": 1, "disable_existing_loggers": False})
    logger = NoAccessLogger(cfg)
    assert logger.access_log_enabled is False
    # Arguments that would raise if any atom were computed from them.
    nothing: Any = None
    assert logger.access(nothing, nothing, nothing, nothing) is None


def test_a_real_boot_logs_nothing_at_error_with_no_writable_home(
    production_env: dict[str, str],
) -> None:
    # The image's user 10001 has no home directory; gunicorn 25+ put its control socket
    # under $HOME by default and logged an ERROR on every boot (issue 13).
    with serve({**production_env, "HOME": "/nonexistent"}) as server:
        assert requests.get(f"{server.url}/health/live/", timeout=5).status_code == 200
    records = server.log_records()
    assert any(r["logger"] == "gunicorn.error" for r in records), server.output()[:2000]
    errors = [r for r in records if r["severity"] in ("ERROR", "CRITICAL")]
    assert not errors, errors
    assert "control" not in server.output().lower(), server.output()[:3000]


class _Listener:
    """Like gunicorn.sock.BaseSocket: delegates to the socket, close() forgets it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock: socket.socket | None = sock

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


class _FakeWorker:
    """The parts of a gthread worker the SIGTERM hook touches."""

    def __init__(self, listener: _Listener) -> None:
        self.sockets = [listener]
        self.nr_conns = 0
        self.cfg = SimpleNamespace(graceful_timeout=0.1)
        self.exiting = False
        self.accepting = True
        self.accepted: list[socket.socket] = []

    def handle_exit(self, signum: int, frame: object) -> None:
        self.exiting = True

    def set_accept_enabled(self, enabled: bool) -> None:
        self.accepting = enabled

    def accept(self, listener: _Listener) -> None:
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            return
        self.accepted.append(connection)
        self.nr_conns += 1


def test_sigterm_hook_takes_in_the_backlog_then_refuses_and_forgets_the_listener() -> None:
    config = runpy.run_path(str(CONFIG))
    raw = socket.socket()
    raw.bind(("127.0.0.1", 0))
    raw.listen(8)
    address = raw.getsockname()
    listener = _Listener(raw)
    queued = socket.create_connection(address)  # completed by the kernel, not yet accepted
    worker = _FakeWorker(listener)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        config["post_worker_init"](worker)
        handler = signal.getsignal(signal.SIGTERM)
        assert callable(handler)
        handler(signal.SIGTERM, None)
    finally:
        signal.signal(signal.SIGTERM, previous)

    assert worker.exiting
    assert not worker.accepting
    assert len(worker.accepted) == 1, "the queued connection was not taken in"
    assert worker.sockets == [], "a closed listener left listed can be re-enabled"
    # select() may already have reported the listener readable when the signal landed:
    # the loop then dispatches accept() on it, which must do nothing, not raise.
    worker.accept(listener)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=2)
    for connection in (queued, *worker.accepted):
        connection.close()


def test_sigterm_inside_accept_does_not_kill_the_worker() -> None:
    # gthread's accept() calls listener.getsockname() after the accept syscall; a SIGTERM
    # landing in between closes the listener (seen flaky in tests/drills and tests/image).
    config = runpy.run_path(str(CONFIG))
    raw = socket.socket()
    raw.bind(("127.0.0.1", 0))
    raw.listen(8)
    listener = _Listener(raw)
    client = socket.create_connection(raw.getsockname())
    worker = _FakeWorker(listener)
    signalled: list[bool] = []

    def gthread_accept(conn_listener: _Listener) -> None:
        try:
            connection, _ = conn_listener.accept()
        except BlockingIOError:
            return
        worker.accepted.append(connection)
        if not signalled:  # the signal lands between the syscall and getsockname()
            signalled.append(True)
            handler = signal.getsignal(signal.SIGTERM)
            assert callable(handler)
            handler(signal.SIGTERM, None)
        conn_listener.getsockname()  # AttributeError once the listener is closed

    worker.accept = gthread_accept  # pyright: ignore[reportAttributeAccessIssue] (as gunicorn binds it)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        config["post_worker_init"](worker)
        worker.accept(listener)  # must not raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert signalled
    assert worker.exiting
    assert listener.sock is None
    for connection in (client, *worker.accepted):
        connection.close()


def test_request_hooks_track_what_is_in_flight() -> None:
    config = runpy.run_path(str(CONFIG))
    from config.shutdown import IN_FLIGHT

    request = SimpleNamespace(method="GET", path="/", headers=[])
    config["pre_request"](None, request)
    assert any(item is request for item, _ in IN_FLIGHT.snapshot())
    config["post_request"](None, request, {}, None)
    assert all(item is not request for item, _ in IN_FLIGHT.snapshot())

"""The Redis cache against a real redis-server on loopback: used when up, and when it goes
down the app degrades (misses, sessions from the database) instead of answering 5xx."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests

from config import cache as app_cache
from tests.support.gunicorn import APP_DIR, GunicornServer, free_port, serve

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server is not installed (apt-get install redis-server)"
)


class RedisServer:
    """A throwaway redis-server: no persistence, loopback only, restartable on its port."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _cache(monkeypatch: pytest.MonkeyPatch, url: str) -> app_cache.DegradingRedisCache:
    monkeypatch.setenv("DJANGO_CACHE_URL", url)
    config = app_cache.redis_cache()
    assert config is not None
    return app_cache.DegradingRedisCache(config["LOCATION"], config)


def test_reads_and_writes_reach_redis(monkeypatch: pytest.MonkeyPatch, redis_server: RedisServer):
    cache = _cache(monkeypatch, redis_server.url)
    cache.set("answer", 42, 60)
    assert cache.get("answer") == 42
    assert cache.incr("answer") == 43
    assert cache.get_many(["answer", "missing"]) == {"answer": 43}
    keys = redis.Redis.from_url(redis_server.url).keys("*answer*")
    assert keys == [b"app:1:answer"]  # it is in Redis, not in a local fallback


def test_outage_is_a_miss_then_recovers(
    monkeypatch: pytest.MonkeyPatch, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
):
    monkeypatch.setattr(app_cache, "RETRY_SECONDS", 0.3)
    cache = _cache(monkeypatch, redis_server.url)
    cache.set("k", "v", 60)
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        started = time.monotonic()
        assert cache.get("k", "fallback") == "fallback"
        assert cache.add("k", "v", 60) is False
        cache.set("k", "v2", 60)  # dropped, not raised
        assert cache.get_many(["k"]) == {}
        assert cache.has_key("k") is False
        with pytest.raises(ValueError, match="cache unavailable"):
            cache.incr("k")
        assert time.monotonic() - started < 2  # refused fast, then skipped while down
    outages = [r for r in caplog.records if "cache unavailable" in r.getMessage()]
    assert len(outages) == 1  # one line per outage, not one per call
    redis_server.start()  # same port, empty (no persistence)
    time.sleep(0.35)
    cache.set("k", "back", 60)
    assert cache.get("k") == "back"
    assert any("available again" in r.getMessage() for r in caplog.records)


def test_no_url_no_redis_and_the_password_stays_out_of_the_url(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("DJANGO_CACHE_URL", raising=False)
    assert app_cache.redis_cache() is None
    monkeypatch.setenv("DJANGO_CACHE_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("DJANGO_CACHE_PASSWORD", "auth-string")
    config = app_cache.redis_cache()
    assert config is not None
    assert config["OPTIONS"]["password"] == "auth-string"
    assert "auth-string" not in config["LOCATION"]


@pytest.fixture
def app_server(
    production_env: dict[str, str], collected_static: None, redis_server: RedisServer
) -> Iterator[GunicornServer]:
    env = {**production_env, "DJANGO_CACHE_URL": redis_server.url, "GUNICORN_WORKERS": "2"}
    create = ["createsuperuser", "--noinput", "--username", "admin", "--email", "a@example.com"]
    subprocess.run(
        [sys.executable, "manage.py", *create],
        cwd=APP_DIR,
        env={**env, "PATH": "/usr/bin:/bin", "DJANGO_SUPERUSER_PASSWORD": "right-horse-battery"},
        check=True,
        capture_output=True,
    )
    with serve(env) as running:
        yield running


class Browser:
    """Keeps cookies by hand: they are Secure, and the test speaks plain HTTP to gunicorn
    (requests would never send them back)."""

    def __init__(self, url: str) -> None:
        self.url, self.cookies = url, {}

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers = {"X-Forwarded-Proto": "https", "Cookie": cookie, **kwargs.pop("headers", {})}
        response = requests.request(method, f"{self.url}{path}", headers=headers,
                                    allow_redirects=False, timeout=10, **kwargs)  # fmt: skip
        self.cookies.update(response.cookies.get_dict())
        return response

    def login(self) -> requests.Response:
        form = self.request("GET", "/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert token, form.text[:300]
        return self.request(
            "POST", "/admin/login/",
            data={"username": "admin", "password": "right-horse-battery",
                  "csrfmiddlewaretoken": token[1]},
            headers={"Referer": "https://127.0.0.1/admin/login/"},
        )  # fmt: skip


def test_the_app_serves_and_keeps_sessions_while_redis_is_down(
    app_server: GunicornServer, redis_server: RedisServer
):
    browser = Browser(app_server.url)
    assert browser.login().status_code == 302
    assert browser.request("GET", "/admin/").status_code == 200
    redis_keys = redis.Redis.from_url(redis_server.url).keys("*cached_db*")
    assert redis_keys, "the session was not cached in Redis"
    redis_server.stop()
    for _ in range(4):  # both workers, several times: never a 5xx
        page = browser.request("GET", "/admin/")
        assert page.status_code == 200, page.status_code  # still logged in: from the database
    assert Browser(app_server.url).login().status_code == 302  # new logins work without it
    assert browser.request("GET", "/health/ready/").status_code == 200

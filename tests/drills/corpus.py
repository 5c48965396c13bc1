"""A bounded, seeded corpus of odd-but-parseable HTTP requests against every URL.

Every route comes from the app's own URL resolver, so a new view is in the drill the day it
is added. Requests stay well-formed enough to reach Django: the point is the app's handling
of junk values, not gunicorn's parser (test_bad_input's MALFORMED covers that).
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterable, Iterator
from typing import cast
from urllib.parse import quote

from django.urls import URLPattern, URLResolver, get_resolver

_CONVERTER = re.compile(r"<(?:(\w+):)?\w+>")
_NAMED_GROUP = re.compile(r"\(\?P<\w+>([^()]*)\)")
_EXTRA_PATHS = ["/static/admin/css/base.css", "/favicon.ico", "/robots.txt", "/nope/"]
_METHODS = ["GET"] * 4 + ["HEAD", "POST", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
_SUFFIXES = ["", "", "", "x", "%00", "%ff%fe", "..%2f..%2fetc%2fpasswd", ";jsessionid=1"]
_CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/json",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/form-data; boundary=zz",
    "text/plain; charset=utf-99",
    "application/x-www-form-urlencoded; charset=klingon",
]


def _sample_converter(match: re.Match[str], rng: random.Random) -> str:
    kind = match.group(1) or "str"
    if kind == "int":
        return str(rng.choice([0, 1, 2, 999999999999, 2**63]))
    return rng.choice(["1", "abc", "%2e%2e", "x" * 300, "%C3%A9"])


def _sample_regex(regex: str, rng: random.Random) -> str:
    def group(match: re.Match[str]) -> str:
        alternatives = match.group(1).split("|")
        plain = [alt for alt in alternatives if re.fullmatch(r"[\w-]+", alt)]
        return rng.choice(plain) if plain else "1"

    text = _NAMED_GROUP.sub(group, regex)
    return re.sub(r"[\^$\\?*+()\[\]]", "", text)


def _walk(patterns: Iterable[object], prefix: str, rng: random.Random) -> Iterator[str]:
    for pattern in patterns:
        if not isinstance(pattern, URLResolver | URLPattern):
            continue
        raw = str(pattern.pattern)
        piece = _CONVERTER.sub(lambda m: _sample_converter(m, rng), raw)
        if piece == raw:
            piece = _sample_regex(raw, rng)
        if isinstance(pattern, URLResolver):
            yield from _walk(cast(Iterable[object], pattern.url_patterns), prefix + piece, rng)
        else:
            yield prefix + piece


def site_paths(rng: random.Random) -> list[str]:
    """One concrete path per route in the app's URLconf, plus a few that are not routes."""
    patterns = cast(Iterable[object], get_resolver().url_patterns)
    routes = {"/" + path for path in _walk(patterns, "", rng)}
    return sorted(routes | set(_EXTRA_PATHS))


def _junk(rng: random.Random, size: int) -> str:
    alphabet = string.ascii_letters + string.digits + "%/;=&?.,:-_'\"<>{}[]\\|~ é€"
    return "".join(rng.choice(alphabet) for _ in range(size))


def _headers(rng: random.Random) -> list[tuple[str, str]]:
    pool = [
        ("Cookie", f"sessionid={_junk(rng, 40)}; csrftoken={_junk(rng, 32)}"),
        ("Cookie", rng.choice(["=", ";;;", "a=b=c", "sessionid=" + "x" * 4000])),
        ("Accept-Language", rng.choice(["xx-YY", "*", "en;q=abc", _junk(rng, 30)])),
        ("X-Cloud-Trace-Context", rng.choice(["zzz/1;o=1", "/", "a" * 32 + "/x;o=9"])),
        ("traceparent", rng.choice(["00-xyz-01", "ff-" + "0" * 32 + "-" + "0" * 16 + "-01"])),
        ("X-Forwarded-For", rng.choice(["not-an-ip", "1.2.3.4, , ,", "::::"])),
        ("Range", rng.choice(["bytes=9-1", "bytes=-0", "bytes=abc", "lines=1-2"])),
        ("If-Modified-Since", rng.choice(["yesterday", "Mon, 99 Foo 9999 99:99:99 GMT"])),
        ("Accept-Encoding", rng.choice(["gzip;q=x", "br, zstd, *;q=0", _junk(rng, 20)])),
        ("Origin", rng.choice(["null", "https://evil.example", "https://127.0.0.1"])),
        ("Referer", rng.choice(["https://evil.example/", "not a url", "https://127.0.0.1/"])),
    ]
    return rng.sample(pool, k=rng.randint(0, 4))


def random_requests(rng: random.Random, paths: list[str], *, count: int) -> Iterator[bytes]:
    """``count`` raw requests; every path gets one before any gets a second."""
    order = (paths * (count // len(paths) + 1))[:count]
    rng.shuffle(order)
    for path in order:
        method = rng.choice(_METHODS)
        target = path + rng.choice(_SUFFIXES)
        if rng.random() < 0.5:
            target += "?" + "&".join(
                f"{quote(_junk(rng, 5))}={quote(_junk(rng, rng.randint(0, 50)))}"
                for _ in range(rng.randint(1, 5))
            )
        host = rng.choice(["127.0.0.1"] * 6 + ["localhost", "evil.example", "127.0.0.1:1"])
        lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
        if rng.random() < 0.85:
            lines.append("X-Forwarded-Proto: https")
        lines += [f"{name}: {value}" for name, value in _headers(rng)]
        body = b""
        if method in {"POST", "PUT", "PATCH"}:
            body = _junk(rng, rng.randint(0, 2000)).encode()
            lines.append(f"Content-Type: {rng.choice(_CONTENT_TYPES)}")
            lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: close")
        head = "\r\n".join(lines) + "\r\n\r\n"
        yield head.encode("utf-8") + body

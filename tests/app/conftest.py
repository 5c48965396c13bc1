"""Fixtures shared by the app tests."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from core.logging import JsonFormatter


@pytest.fixture
def request_log() -> Iterator[io.StringIO]:
    """What the request logger writes, through the production formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("core.request")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)

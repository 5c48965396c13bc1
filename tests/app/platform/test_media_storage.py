"""Uploads through Django's default storage into a Cloud Storage bucket: a real local GCS
emulator (gcp-storage-emulator, from PyPI) on loopback, django-storages' real backend and
google-cloud-storage's real client; signed URLs checked with RSA, as Cloud Storage does.

Not covered here: signing through the IAM Credentials signBlob API, which the production
settings select (no key on Cloud Run); that endpoint cannot run locally.
"""

from __future__ import annotations

import hashlib
import os
import runpy
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.utils.module_loading import import_string
from gcp_storage_emulator.server import create_server
from google.oauth2 import service_account

from config.media import BACKEND, media_storage
from tests.conftest import production_settings_env
from tests.support.gunicorn import free_port

BUCKET = "acme-django-test-media"
SIGNER = "django-app-runtime@acme-django-test.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    port = free_port()
    server = create_server("127.0.0.1", port, in_memory=True, default_bucket=BUCKET)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def media_env(monkeypatch: pytest.MonkeyPatch, emulator: str) -> str:
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", emulator)
    monkeypatch.setenv("DJANGO_MEDIA_BUCKET", BUCKET)
    monkeypatch.setenv("DJANGO_MEDIA_URL_SECONDS", "600")
    return emulator


def _storage(**options: Any):
    config = media_storage()
    assert config is not None
    config["OPTIONS"].update(options)
    return import_string(config["BACKEND"])(**config["OPTIONS"])


def test_production_settings_put_uploads_in_the_bucket_signed_through_iam(
    monkeypatch: pytest.MonkeyPatch,
):
    for name in list(os.environ):
        if name.startswith(("DJANGO_", "DB_", "GUNICORN_", "STORAGE_EMULATOR")):
            monkeypatch.delenv(name)
    for name, value in {**production_settings_env(), "DJANGO_MEDIA_BUCKET": BUCKET}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delitem(sys.modules, "config.settings.base", raising=False)
    default = runpy.run_module("config.settings.production")["STORAGES"]["default"]
    assert default["BACKEND"] == BACKEND
    options = default["OPTIONS"]
    assert options["bucket_name"] == BUCKET
    # No key anywhere: the runtime identity's token, and IAM signs as that identity.
    assert options["iam_sign_blob"] is True
    assert "credentials" not in options
    assert options["expiration"] == timedelta(hours=1)
    assert options["querystring_auth"] is True


def test_without_a_bucket_uploads_stay_on_local_disk(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("DJANGO_MEDIA_BUCKET", raising=False)
    assert media_storage() is None


@pytest.mark.parametrize(("seconds", "problem"), [("30", "below the minimum 60"),
                                                  ("700000", "above 604800 (7 days)"),
                                                  ("soon", "is not an integer")])  # fmt: skip
def test_bad_url_lifetime_is_refused(monkeypatch: pytest.MonkeyPatch, seconds: str, problem: str):
    monkeypatch.setenv("DJANGO_MEDIA_BUCKET", BUCKET)
    monkeypatch.setenv("DJANGO_MEDIA_URL_SECONDS", seconds)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_MEDIA_URL_SECONDS") as error:
        media_storage()
    assert problem in str(error.value)


def test_save_read_list_delete_against_the_emulator(media_env: str):
    storage = _storage()
    name = storage.save("avatars/ada.txt", ContentFile(b"analytical engine"))
    assert name == "avatars/ada.txt"
    # file_overwrite is off: the same name again gets a new name, the first stays intact.
    second = storage.save("avatars/ada.txt", ContentFile(b"second upload"))
    assert second != name
    assert second.startswith("avatars/ada_")
    with storage.open(name) as handle:
        assert handle.read() == b"analytical engine"
    assert storage.exists(second)
    assert storage.size(name) == len(b"analytical engine")
    assert set(storage.listdir("avatars")[1]) == {name.split("/")[1], second.split("/")[1]}
    # What the emulator stored is what a plain client reads back (not a cache of ours).
    raw = requests.get(f"{media_env}/storage/v1/b/{BUCKET}/o/{quote(name, safe='')}?alt=media",
                       timeout=5)  # fmt: skip
    assert raw.content == b"analytical engine"
    storage.delete(name)
    storage.delete(second)
    assert not storage.exists(name)


def _key() -> tuple[rsa.RSAPrivateKey, service_account.Credentials]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "client_email": SIGNER,
        "private_key": pem,
        "private_key_id": "test",
        "token_uri": "http://127.0.0.1:9/token",  # never called: signing is local
        "project_id": "acme-django-test",
    }
    return key, service_account.Credentials.from_service_account_info(info)


def test_url_is_a_v4_signature_that_verifies(media_env: str):
    key, credentials = _key()
    storage = _storage(credentials=credentials, iam_sign_blob=False)
    url = storage.url("private/report.pdf")
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    assert query["X-Goog-Algorithm"] == "GOOG4-RSA-SHA256"
    assert query["X-Goog-Expires"] == "600"
    assert query["X-Goog-Credential"].startswith(f"{SIGNER}/")
    # Rebuild the string Cloud Storage verifies (V4: canonical request, then string to sign).
    signature = bytes.fromhex(query.pop("X-Goog-Signature"))
    canonical_query = "&".join(
        f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in sorted(query.items())
    )
    canonical = "\n".join(
        ["GET", parts.path, canonical_query, f"host:{parts.netloc}", "", "host",
         "UNSIGNED-PAYLOAD"]
    )  # fmt: skip
    scope = query["X-Goog-Credential"].split("/", 1)[1]
    to_sign = "\n".join(
        ["GOOG4-RSA-SHA256", query["X-Goog-Date"], scope,
         hashlib.sha256(canonical.encode()).hexdigest()]
    )  # fmt: skip
    key.public_key().verify(signature, to_sign.encode(), padding.PKCS1v15(), hashes.SHA256())
    assert parts.path == f"/{BUCKET}/private/report.pdf"

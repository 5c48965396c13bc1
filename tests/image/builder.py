"""Build and run the Dockerfile for real with podman (daemonless, rootful, vfs storage).

The Dockerfile's base (python:3.12-slim-bookworm pinned by digest) lives on Docker Hub,
which these machines cannot reach. A stand-in is built locally instead: Debian bookworm
from debootstrap (the same distribution as the real base) plus the CPython 3.12 this test
runs on, copied to /usr/local as the official image has it, with pip from ensurepip.
Only the two FROM lines are substituted; every other line of the Dockerfile is built
byte for byte. The stand-in also trusts this machine's extra CA certificates (the
package registries are reached through a TLS-inspecting proxy here); the real base needs
no such thing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
STANDIN = "localhost/django-gcp-standin-python:3.12-slim-bookworm"
APP_IMAGE = "localhost/django-gcp:image-test"
PODMAN = ["podman", "--storage-driver", "vfs"]
_FROM = re.compile(r"^FROM python:3\.12-slim-bookworm@sha256:[0-9a-f]{64}( AS \w+)$", re.M)
_LIBS = "ca-certificates,libssl3,libffi8,libsqlite3-0,libbz2-1.0,liblzma5,zlib1g,libuuid1"
_STANDIN_FILE = """\
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \\
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt
RUN update-ca-certificates && ldconfig && python3.12 -m ensurepip --default-pip
CMD ["python3"]
"""


def missing_tools() -> str | None:
    """Why the image cannot be built here, or None when it can."""
    if os.geteuid() != 0:
        return "building the image needs root (rootful podman, debootstrap)"
    for tool in ("podman", "runc", "debootstrap"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install -y podman runc debootstrap)"
    if Path(sys.base_prefix) == Path("/usr") or sys.version_info[:2] != (3, 12):
        return "the stand-in base needs a self-contained CPython 3.12 prefix (e.g. pyenv)"
    return None


def podman(*args: str, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*PODMAN, *args], capture_output=True, text=True, timeout=timeout, check=check
    )


def standin_dockerfile(dockerfile: Path = DOCKERFILE) -> str:
    """The Dockerfile with only its FROM lines pointing at the stand-in base."""
    text = dockerfile.read_text()
    replaced, count = _FROM.subn(lambda m: f"FROM {STANDIN}{m[1]}", text)
    if count != 2:
        raise ValueError(f"{dockerfile}: expected 2 pinned python:3.12 FROM lines, found {count}")
    return replaced


def build_standin() -> None:
    """The stand-in base, once per machine (reused while podman still has it)."""
    if podman("image", "exists", STANDIN, check=False).returncode == 0:
        return
    with tempfile.TemporaryDirectory(prefix="standin-") as work:
        rootfs = Path(work) / "rootfs"
        debootstrap = ["debootstrap", "--variant=minbase", f"--include={_LIBS}", "bookworm"]
        subprocess.run(  # loopback-guard: allow: the Debian package mirror, as apt-get uses it
            [*debootstrap, str(rootfs), "http://deb.debian.org/debian"],
            check=True,
            capture_output=True,
            timeout=900,
        )
        local = rootfs / "usr" / "local"
        skip = shutil.ignore_patterns("test", "idlelib", "tkinter", "__pycache__", "site-packages")
        for part in ("bin", "lib", "include"):
            shutil.copytree(
                Path(sys.base_prefix) / part, local / part, dirs_exist_ok=True, ignore=skip
            )
        (local / "lib" / "python3.12" / "site-packages").mkdir(exist_ok=True)
        for script in (local / "bin").glob("pip*"):
            script.unlink()  # their shebangs name this machine's prefix; ensurepip rewrites
        for name in ("python", "python3"):
            (local / "bin" / name).unlink(missing_ok=True)
            (local / "bin" / name).symlink_to("python3.12")
        certificates = rootfs / "usr" / "local" / "share" / "ca-certificates"
        certificates.mkdir(parents=True, exist_ok=True)
        for certificate in Path("/usr/local/share/ca-certificates").glob("*.crt"):
            shutil.copy(certificate, certificates)
        (Path(work) / "Containerfile").write_text(_STANDIN_FILE)
        podman("build", "--isolation", "chroot", "-t", STANDIN, work, timeout=900)


def build_app(app_version: str) -> str:
    """Build the Dockerfile (FROM substituted) from the repository; the image name."""
    with tempfile.NamedTemporaryFile("w", suffix=".Dockerfile", delete=False) as handle:
        handle.write(standin_dockerfile())
    try:
        podman(
            *("build", "--isolation", "chroot", "-f", handle.name),
            *("--build-arg", f"APP_VERSION={app_version}", "-t", APP_IMAGE, str(REPO)),
            timeout=1800,
        )
    finally:
        os.unlink(handle.name)
    return APP_IMAGE


def image_size_mb(image: str) -> float:
    size = podman("image", "inspect", "--format", "{{.Size}}", image).stdout.strip()
    return round(int(size) / 1e6, 1)


def head_commit() -> str:
    """The commit an image is built for (its APP_VERSION build argument)."""
    result = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or "unknown"

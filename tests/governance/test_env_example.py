"""`.env.example` lists exactly what the app reads; infra's env satisfies production settings."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from tests.governance.env_reads import app_variables, variables_read

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^#?\s?([A-Z][A-Z0-9_]+)=(.*)$")


def example_variables() -> dict[str, str]:
    found = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = LINE.match(line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_the_reader_finds_every_access_style():
    source = (
        'import os\nenv_bool("A", True)\nos.environ.get("B")\nos.environ["C"]\n'
        'os.getenv("D")\nos.environ.setdefault("E", "x")\nenv_required("F", "hint")\n'
        'other("G")\n'
    )
    assert variables_read(source) == {"A", "B", "C", "D", "E", "F"}


def test_every_variable_the_app_reads_is_documented():
    read = app_variables(ROOT / "app")
    assert "DJANGO_SECRET_KEY" in read, "the AST scan found nothing: did app/config move?"
    missing = {
        name: sorted(files) for name, files in read.items() if name not in example_variables()
    }
    assert not missing, f"add these to .env.example (variable -> files reading it): {missing}"


def test_every_documented_variable_is_read_by_the_app():
    stale = set(example_variables()) - set(app_variables(ROOT / "app"))
    assert not stale, f"nothing in app/ reads {sorted(stale)}: remove them from .env.example"


def test_a_copied_example_is_read_and_switches_nothing_silently(tmp_path):
    """`cp .env.example .env`: local settings read it, and the database stays the default
    (DB_HOST is commented out), so nothing changes until the developer edits it."""
    env_file = tmp_path / ".env"
    env_file.write_text((ROOT / ".env.example").read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DB_"))}
    check = (
        "from django.conf import settings; "
        "print(settings.DEBUG, settings.SECRET_KEY, settings.DATABASES['default']['ENGINE'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {check}"],
        cwd=ROOT / "app",
        env={
            **env,
            "PYTHONPATH": str(ROOT / "app"),
            "DJANGO_SETTINGS_MODULE": "config.settings.local",  # manage.py's default
            "DJANGO_ENV_FILE": str(env_file),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "change-me-local-only", "django.db.backends.sqlite3"]


def _production_env(stack: str) -> dict[str, str]:
    """What the real program puts on the service's container for `stack` (run under
    mock_run, so Outputs resolve inside its own event loop), secrets as fake values."""
    from mock_run import run_program  # pyright: ignore[reportMissingImports]
    from tests.infra.conftest import SERVICE, env_of

    (service,) = run_program(stack).of_type(SERVICE)
    env = env_of(service.inputs["template"]["containers"][0])
    fakes = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    return {
        name: value if isinstance(value, str) else fakes.get(name, "fake-secret-value")
        for name, value in env.items()
    }


def test_production_settings_accept_what_infra_sets_on_cloud_run():
    for stack in ("dev", "staging", "prod"):
        infra_env = _production_env(stack)
        unread = set(infra_env) - set(app_variables(ROOT / "app"))
        assert not unread, f"infra sets {sorted(unread)} on {stack}, but the app never reads them"
        done = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()"],
            cwd=ROOT / "app",
            env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT / "app"), **infra_env},
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, (
            f"{stack}: production settings refused infra's env:\n{done.stderr}"
        )

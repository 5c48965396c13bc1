"""The migration gate (`make migrations-check`, also part of `make test`).

The first two tests check the project as it is; the rest prove each check can fail, on a
throwaway Django app written into a temp dir and installed for the test only.
"""

from __future__ import annotations

import secrets
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from tests.governance.migration_gate import lint_migrations, missing_migrations

pytestmark = pytest.mark.django_db

INITIAL = """
from django.db import migrations, models

class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Product",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=50)),
                ("legacy", models.CharField(max_length=50, default="")),
            ],
        ),
    ]
"""

MODELS = """
from django.db import models

class Product(models.Model):
    name = models.CharField(max_length=50)
    {extra}
"""

SECOND = """
from django.db import migrations, models

class Migration(migrations.Migration):
    dependencies = [("{label}", "0001_initial")]
    operations = [{operation}]
"""

REMOVE = 'migrations.RemoveField(model_name="product", name="legacy")'
RENAME = 'migrations.RenameField(model_name="product", old_name="legacy", new_name="old")'
DROP = 'migrations.DeleteModel(name="Product")'
ADD_NULLABLE = (
    'migrations.AddField(model_name="product", name="note", field=models.TextField(null=True))'
)

AppFactory = Callable[..., str]


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppFactory]:
    """Write an app (models + migrations) and install it; returns its label."""
    monkeypatch.syspath_prepend(str(tmp_path))
    created: list[str] = []

    def make(models_extra: str, second: tuple[str, str] | None = None) -> str:
        label = f"gate_{secrets.token_hex(4)}"
        package = tmp_path / label
        (package / "migrations").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "migrations" / "__init__.py").write_text("")
        (package / "models.py").write_text(textwrap.dedent(MODELS.format(extra=models_extra)))
        (package / "migrations" / "0001_initial.py").write_text(INITIAL)
        if second:
            name, operation = second
            body = SECOND.format(label=label, operation=operation)
            (package / "migrations" / f"{name}.py").write_text(body)
        created.append(label)
        return label

    yield make
    for label in created:
        for module in [m for m in sys.modules if m == label or m.startswith(f"{label}.")]:
            del sys.modules[module]


def _installed(label: str) -> override_settings:
    from django.conf import settings

    return override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, label])


def test_every_model_change_of_the_project_has_a_migration() -> None:
    assert missing_migrations() == ""


def test_the_project_migrations_pass_the_linter() -> None:
    ok, output = lint_migrations()
    assert ok, output
    assert "Erroneous migrations: 0/" in output


def test_a_model_change_without_migration_fails(make_app: AppFactory) -> None:
    label = make_app('legacy = models.CharField(max_length=50, default="")\n    extra = 1')
    with _installed(label):
        assert missing_migrations() == ""
    label = make_app("")  # models lost `legacy`, no migration removes it
    with _installed(label):
        assert "Remove field legacy from product" in missing_migrations()


@pytest.mark.parametrize("operation", [REMOVE, RENAME, DROP], ids=["drop", "rename", "table"])
def test_destructive_operations_fail_unless_named_as_contract_steps(
    make_app: AppFactory, operation: str
) -> None:
    label = make_app("", ("0002_change", operation))
    with _installed(label):
        ok, output = lint_migrations()
    assert not ok
    assert f"({label}, 0002_change)... ERR" in output

    label = make_app("", ("0002_contract_change", operation))
    with _installed(label):
        ok, output = lint_migrations()
    assert ok, output
    assert f"({label}, 0002_contract_change)... IGNORE" in output


def test_additive_operations_pass(make_app: AppFactory) -> None:
    label = make_app("", ("0002_note", ADD_NULLABLE))
    with _installed(label):
        ok, output = lint_migrations()
    assert ok, output
    assert f"({label}, 0002_note)... OK" in output

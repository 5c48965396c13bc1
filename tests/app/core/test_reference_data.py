"""core/reference_data.py: per-app ``seeds.py`` discovery and idempotent application, on
real PostgreSQL. A throwaway app (written into a temp dir, installed for one test) seeds a
model of another app (auth.Group) to show that nothing is tied to Currency."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import DataError
from django.test import override_settings

from catalog.models import Plan
from catalog.seeds import SEEDS as CATALOG_SEEDS
from core.models import Currency
from core.reference_data import ReferenceRows, apply, discover, missing
from core.seeds import SEEDS, apply_seeds, missing_seeds

GROUP_SEEDS = """
from django.contrib.auth.models import Group
from core.reference_data import ReferenceRows

SEEDS = (ReferenceRows(Group, "name", ({"name": "editors"}, {"name": "viewers"})),)
"""


@pytest.fixture
def extra_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Install a temp app whose seeds.py body the test writes; yields its module name."""
    label = f"seeded_{secrets.token_hex(4)}"
    (tmp_path / label).mkdir()
    (tmp_path / label / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, label]):
        yield label
    for module in [m for m in sys.modules if m.split(".")[0] == label]:
        del sys.modules[module]


def _write_seeds(tmp_path: Path, label: str, body: str) -> None:
    (tmp_path / label / "seeds.py").write_text(body)


def test_each_app_declares_its_rows_as_data_in_installed_apps_order() -> None:
    assert discover() == (*SEEDS, *CATALOG_SEEDS)


@pytest.mark.django_db
def test_every_app_seeds_module_is_applied_once_and_then_changes_nothing(
    tmp_path: Path, extra_app: str
) -> None:
    _write_seeds(tmp_path, extra_app, GROUP_SEEDS)
    assert [seed.model for seed in discover()] == [Currency, Plan, Group]
    assert missing_seeds()[-2:] == ["auth.Group editors", "auth.Group viewers"]

    assert str(apply_seeds()) == "10 created, 0 updated, 0 unchanged"
    assert sorted(Group.objects.values_list("name", flat=True)) == ["editors", "viewers"]
    assert missing_seeds() == []
    assert str(apply_seeds()) == "0 created, 0 updated, 10 unchanged"


@pytest.mark.django_db
def test_drifted_rows_are_corrected_and_undeclared_rows_kept() -> None:
    apply_seeds()
    Currency.objects.filter(code="EUR").update(name="Ecu")
    Currency.objects.create(code="CHF", name="Swiss franc", minor_units=2)
    assert str(apply_seeds()) == "0 created, 1 updated, 7 unchanged"
    assert Currency.objects.get(code="EUR").name == "Euro"
    assert Currency.objects.filter(code="CHF").exists()


@pytest.mark.django_db
def test_a_failing_row_rolls_back_the_whole_application() -> None:
    bad = ReferenceRows(Currency, "code", ({"code": "AAA", "name": "x" * 65, "minor_units": 2},))
    with pytest.raises(DataError, match="too long"):
        apply((*SEEDS, bad))
    assert missing(SEEDS) == [f"core.Currency {c}" for c in ("BRL", "EUR", "GBP", "JPY", "USD")]


@pytest.mark.parametrize(
    ("rows", "key", "message"),
    [
        (({"code": "EUR", "nmae": "Euro"},), "code", "'nmae' is not a field of core.Currency"),
        (({"name": "Euro"},), "code", "row {'name': 'Euro'} has no 'code'"),
        (({"code": "EUR"}, {"code": "EUR"}), "code", "'code' values repeat: ['EUR', 'EUR']"),
        ((), "iso", "'iso' is not a field of core.Currency"),
    ],
)
def test_bad_declarations_fail_naming_model_and_field(
    rows: tuple[dict, ...], key: str, message: str
) -> None:
    with pytest.raises(ImproperlyConfigured) as failure:
        ReferenceRows(Currency, key, rows)
    assert str(failure.value) == f"seeds for core.Currency: {message}"


def test_a_seeds_module_without_seeds_tuple_is_an_error(tmp_path: Path, extra_app: str) -> None:
    _write_seeds(tmp_path, extra_app, "SEEDS = [1]\n")
    with pytest.raises(ImproperlyConfigured, match=rf"{extra_app}\.seeds must define SEEDS"):
        discover()

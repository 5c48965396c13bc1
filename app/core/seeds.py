"""core's reference rows: the first example of an app's ``seeds.py`` (core/reference_data.py
finds every installed app's ``SEEDS`` and applies them; running it twice changes nothing)."""

from __future__ import annotations

from core.models import Currency
from core.reference_data import ReferenceRows, SeedReport, apply, discover, missing

CURRENCIES = (
    {"code": "BRL", "name": "Brazilian real", "minor_units": 2},
    {"code": "EUR", "name": "Euro", "minor_units": 2},
    {"code": "GBP", "name": "Pound sterling", "minor_units": 2},
    {"code": "JPY", "name": "Japanese yen", "minor_units": 0},
    {"code": "USD", "name": "United States dollar", "minor_units": 2},
)

SEEDS = (ReferenceRows(Currency, "code", CURRENCIES),)


def apply_seeds(*, using: str = "default") -> SeedReport:
    """Every installed app's reference rows (``seed`` command, migration job)."""
    return apply(discover(), using=using)


def missing_seeds(*, using: str = "default") -> list[str]:
    """Declared rows absent from the database, e.g. ``core.Currency BRL`` (healthcheck)."""
    return missing(discover(), using=using)

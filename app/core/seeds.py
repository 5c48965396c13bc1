"""Reference rows every environment needs; applying them twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from core.models import Currency


@dataclass(frozen=True)
class CurrencySeed:
    code: str
    name: str
    minor_units: int


CURRENCIES: tuple[CurrencySeed, ...] = (
    CurrencySeed("BRL", "Brazilian real", 2),
    CurrencySeed("EUR", "Euro", 2),
    CurrencySeed("GBP", "Pound sterling", 2),
    CurrencySeed("JPY", "Japanese yen", 0),
    CurrencySeed("USD", "United States dollar", 2),
)


@dataclass(frozen=True)
class SeedReport:
    created: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def apply_seeds(*, using: str = "default") -> SeedReport:
    """Create missing reference rows and correct drifted ones; leave the rest untouched."""
    created = updated = unchanged = 0
    with transaction.atomic(using=using):
        for seed in CURRENCIES:
            wanted = {"name": seed.name, "minor_units": seed.minor_units}
            row, was_created = Currency.objects.using(using).get_or_create(
                code=seed.code, defaults=wanted
            )
            if was_created:
                created += 1
            elif any(getattr(row, field) != value for field, value in wanted.items()):
                Currency.objects.using(using).filter(code=seed.code).update(**wanted)
                updated += 1
            else:
                unchanged += 1
    return SeedReport(created=created, updated=updated, unchanged=unchanged)


def missing_seeds(*, using: str = "default") -> list[str]:
    """Codes of reference rows that are not in the database."""
    wanted = {seed.code for seed in CURRENCIES}
    present = set(
        Currency.objects.using(using).filter(code__in=wanted).values_list("code", flat=True)
    )
    return sorted(wanted - present)

"""Reference data ("seeds") declared as data, per app, applied idempotently.

Any installed app may have a ``seeds.py`` defining ``SEEDS``: a tuple of ``ReferenceRows``
(one model, the field that identifies a row, the rows). ``manage.py seed`` and the migration
job create missing rows and correct drifted ones; rows they do not declare are left alone,
so data an admin added is never deleted. ``core/seeds.py`` is the first example.

Why not a data migration: a migration runs once, so a row later edited by hand or a value
changed in code would never be corrected; these declarations are re-applied every deploy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models, transaction
from django.utils.module_loading import module_has_submodule


@dataclass(frozen=True)
class ReferenceRows:
    """Rows of ``model`` every environment has, each identified by its ``key`` field."""

    model: type[models.Model]
    key: str
    rows: tuple[Mapping[str, Any], ...]

    def __post_init__(self) -> None:
        label = self.model._meta.label
        for field in {self.key}.union(*(row.keys() for row in self.rows)):
            try:
                self.model._meta.get_field(field)
            except FieldDoesNotExist:
                raise ImproperlyConfigured(
                    f"seeds for {label}: {field!r} is not a field of {label}"
                ) from None
        for row in self.rows:
            if self.key not in row:
                raise ImproperlyConfigured(
                    f"seeds for {label}: row {dict(row)} has no {self.key!r}"
                )
        keys = [row[self.key] for row in self.rows]
        if len(set(keys)) != len(keys):
            raise ImproperlyConfigured(f"seeds for {label}: {self.key!r} values repeat: {keys}")


@dataclass(frozen=True)
class SeedReport:
    created: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def discover() -> tuple[ReferenceRows, ...]:
    """``SEEDS`` of every installed app that has a ``seeds`` module, in INSTALLED_APPS order."""
    found: list[ReferenceRows] = []
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, "seeds"):
            continue
        module = import_module(f"{config.name}.seeds")
        seeds = getattr(module, "SEEDS", None)
        if not isinstance(seeds, tuple) or not all(isinstance(s, ReferenceRows) for s in seeds):
            raise ImproperlyConfigured(
                f"{config.name}.seeds must define SEEDS = (ReferenceRows(...), ...), "
                f"found {type(seeds).__name__}"
            )
        found.extend(seeds)
    return tuple(found)


def apply(seeds: Iterable[ReferenceRows], *, using: str = "default") -> SeedReport:
    """Create missing rows and correct drifted ones, all or nothing."""
    created = updated = unchanged = 0
    with transaction.atomic(using=using):
        for seed in seeds:
            manager = seed.model._default_manager.db_manager(using)
            for row in seed.rows:
                lookup = {seed.key: row[seed.key]}
                wanted = {field: value for field, value in row.items() if field != seed.key}
                current, was_created = manager.get_or_create(**lookup, defaults=wanted)
                if was_created:
                    created += 1
                elif any(getattr(current, f) != v for f, v in wanted.items()):
                    manager.filter(**lookup).update(**wanted)
                    updated += 1
                else:
                    unchanged += 1
    return SeedReport(created=created, updated=updated, unchanged=unchanged)


def missing(seeds: Iterable[ReferenceRows], *, using: str = "default") -> list[str]:
    """``<app.Model> <key>`` of every declared row that is not in the database."""
    absent: list[str] = []
    for seed in seeds:
        wanted = [row[seed.key] for row in seed.rows]
        present = set(
            seed.model._default_manager.db_manager(using)
            .filter(**{f"{seed.key}__in": wanted})
            .values_list(seed.key, flat=True)
        )
        label = seed.model._meta.label
        absent += [f"{label} {key}" for key in sorted(wanted) if key not in present]
    return absent

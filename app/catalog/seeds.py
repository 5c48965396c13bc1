"""Plans every environment has; core's currencies are seeded first (INSTALLED_APPS order)."""

from __future__ import annotations

from catalog.models import Plan
from core.reference_data import ReferenceRows

SEEDS = (
    ReferenceRows(
        Plan,
        "code",
        (
            {"code": "starter", "name": "Starter", "price_minor": 900, "currency_id": "EUR"},
            {"code": "team", "name": "Team", "price_minor": 4900, "currency_id": "EUR"},
            {"code": "team-jp", "name": "Team (Japan)", "price_minor": 7500, "currency_id": "JPY"},
        ),
    ),
)

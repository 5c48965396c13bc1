"""Tests beside the app, Django style: pytest collects app/<name>/tests.py (pyproject
testpaths/python_files), against the same throwaway PostgreSQL as tests/."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError

from catalog.models import Plan
from core.models import Currency
from core.seeds import apply_seeds, missing_seeds

pytestmark = pytest.mark.django_db


def test_plans_are_seeded_after_the_currencies_they_use() -> None:
    apply_seeds()
    assert list(Plan.objects.values_list("code", "currency_id")) == [
        ("starter", "EUR"),
        ("team", "EUR"),
        ("team-jp", "JPY"),
    ]
    assert missing_seeds() == []


def test_prices_show_the_currency_minor_units() -> None:
    apply_seeds()
    assert Plan.objects.get(code="starter").display_price() == "9.00 EUR"
    assert str(Plan.objects.get(code="team-jp")) == "Team (Japan) (7500 JPY)"


def test_a_currency_in_use_cannot_be_deleted() -> None:
    apply_seeds()
    with pytest.raises(ProtectedError):
        Currency.objects.filter(code="JPY").delete()

"""Plans the product sells, priced in one of core's currencies."""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class Plan(models.Model):
    """A subscription plan: reference rows every environment has (catalog/seeds.py)."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    price_minor = models.PositiveIntegerField(help_text="Price in the currency's minor units")
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="plans")

    class Meta:
        ordering = ("price_minor", "code")

    def __str__(self) -> str:
        return f"{self.name} ({self.display_price()})"

    def display_price(self) -> str:
        """`9.00 EUR`, `900 JPY`: as many decimals as the currency has minor units."""
        digits = self.currency.minor_units
        amount = Decimal(self.price_minor).scaleb(-digits)
        return f"{amount:.{digits}f} {self.currency.code}"

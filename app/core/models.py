"""Reference data the app ships with (seeded by `manage.py seed`), small on purpose."""

from django.db import models


class Currency(models.Model):
    """An ISO 4217 currency: reference rows every environment has, applied idempotently."""

    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=64)
    minor_units = models.PositiveSmallIntegerField(help_text="Digits after the decimal point")

    class Meta:
        ordering = ("code",)
        verbose_name_plural = "currencies"

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"

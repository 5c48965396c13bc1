from django.contrib import admin

from catalog.models import Plan


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "price_minor", "currency")
    list_select_related = ("currency",)

"""Refresh the municipality table from registrations/data/municipalities.csv (migrate loads it too)."""

from django.core.management.base import BaseCommand

from registrations.models import Municipality
from registrations.municipality_data import DATA, municipalities_load


class Command(BaseCommand):
    help = "Load municipalities from registrations/data/municipalities.csv; running it again changes nothing."

    def handle(self, *args, **options):
        result = municipalities_load(model=Municipality, path=DATA)
        self.stdout.write(
            self.style.SUCCESS(
                f"Municipalities: {result.created} created, {result.updated} updated, {result.unchanged} unchanged."
            )
        )

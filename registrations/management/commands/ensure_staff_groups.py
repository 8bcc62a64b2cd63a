from django.core.management.base import BaseCommand

from registrations.staff_groups import OBSERVERS, ORGANISERS, staff_groups_ensure


class Command(BaseCommand):
    help = "Create the staff groups Arrangør and Observatør and (re)set their permissions. Runs after every migrate."

    def handle(self, *args, **options):
        staff_groups_ensure()
        self.stdout.write(f"Staff groups up to date: {ORGANISERS}, {OBSERVERS}.")

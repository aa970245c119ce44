from reinhardt.core.management.base import BaseCommand


class Command(BaseCommand):
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("-n", "--need-me", required=True)
        parser.add_argument("-t", "--need-me-too", required=True, dest="needme2")

    def handle(self, *args, **options):
        self.stdout.write(",".join(f"{k}={options[k]}" for k in ("need_me", "needme2")))

from reinhardt.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Dance around like a madman."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("integer", nargs="?", type=int, default=0)
        parser.add_argument("-s", "--style", default="Rock'n'Roll")
        parser.add_argument("-x", "--example")
        parser.add_argument("--opt-3", action="store_true", dest="option3")
        parser.add_argument("--need-me", dest="need_me")

    def handle(self, *args, **options):
        example = options["example"]
        if example == "raise":
            raise CommandError(returncode=3)
        if options["verbosity"] > 0:
            self.stdout.write(f"I don't feel like dancing {options['style']}.")
            self.stdout.write(",".join(options))
        if options["integer"] > 0:
            self.stdout.write(f"You passed {options['integer']} as a positional argument.")
        return options.get("need_me") and f"needed {options['need_me']}"

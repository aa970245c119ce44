"""``manage.py load_sample_posts``: a few authors, posts and comments, once."""

from blog import sample_data
from reinhardt.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Creates the demo's sample posts, unless the blog has posts already."

    def handle(self, *args, **options):
        if sample_data.load():
            self.stdout.write(self.style.SUCCESS("Loaded the sample posts."))
        elif options["verbosity"] >= 2:
            self.stdout.write("The blog has posts already; nothing loaded.")

"""A few authors, posts and comments, so the demo has something to show."""

import datetime

from blog.models import Author, Comment, Post
from reinhardt.orm import transaction
from reinhardt.utils import timezone

AUTHORS = [
    ("Django Reinhardt", "django", "Guitarist. Two fingers were enough."),
    ("Stéphane Grappelli", "stephane", "Violinist of the Quintette du Hot Club de France."),
]

POSTS = [
    ("django", "Minor Swing", "minor-swing", (2024, 3, 12, 9, 30),
     "A tune built on a minor chord progression, and a lot of room to improvise."),
    ("stephane", "Nuages", "nuages", (2024, 5, 2, 18, 0),
     "Clouds, slowly. A ballad that became a standard."),
    ("django", "Djangology", "djangology", (2024, 11, 20, 21, 15),
     "How a style was named after the person who invented it."),
    ("stephane", "Tiger Rag", "tiger-rag", (2025, 1, 8, 10, 0),
     "Fast and loud: the quintet at full speed."),
    ("django", "Belleville", "belleville", (2025, 1, 22, 14, 45),
     "A walk through the neighbourhood, in four bars at a time."),
    ("stephane", "Daphné", "daphne", (2025, 2, 14, 12, 0),
     "Written for a friend; played for everyone."),
    ("django", "Swing 42", "swing-42", (2025, 4, 1, 8, 0),
     "Wartime Paris, and a tune that refused to be sad."),
]

COMMENTS = [
    ("minor-swing", "Joseph", "The bridge still gives me chills."),
    ("minor-swing", "Louis", "Played it at the jam last night."),
    ("nuages", "Bireli", "The most beautiful melody there is."),
    ("tiger-rag", "Joseph", "Too fast for me, and I loved it."),
]


def load() -> bool:
    """Create the sample rows unless there are posts already; True if it created them."""
    if Post.objects.exists():
        return False
    with transaction.atomic():
        authors = {slug: Author.objects.create(name=name, slug=slug, bio=bio)
                   for name, slug, bio in AUTHORS}
        posts = {}
        for author, title, slug, when, body in POSTS:
            posts[slug] = Post.objects.create(
                title=title, slug=slug, author=authors[author], body=body,
                pub_date=timezone.make_aware(datetime.datetime(*when)),
            )
        for i, (post, name, body) in enumerate(COMMENTS):
            Comment.objects.create(
                post=posts[post], name=name, body=body,
                created=posts[post].pub_date + datetime.timedelta(hours=i + 1),
            )
    return True

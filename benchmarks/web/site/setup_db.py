"""Create the database page's tables and rows (python -m benchsite.setup_db)."""

import datetime
import os

os.environ.setdefault("REINHARDT_SETTINGS_MODULE", "benchsite.settings_db")

from reinhardt.core.wsgi import get_wsgi_application  # noqa: E402

get_wsgi_application()  # sets the framework up

from benchsite.models import Author, Entry  # noqa: E402

from reinhardt.orm import connection  # noqa: E402
from reinhardt.utils import timezone  # noqa: E402

with connection.schema_editor() as editor:
    editor.create_model(Author)
    editor.create_model(Entry)
authors = Author.objects.bulk_create([Author(name=f"Author {i}") for i in range(5)])
authors = list(Author.objects.order_by("id"))
start = timezone.make_aware(datetime.datetime(2024, 1, 1, 9, 30))
Entry.objects.bulk_create([
    Entry(title=f"Entry number {i} <with markup & such>", author=authors[i % 5],
          pub_date=start + datetime.timedelta(days=i, minutes=7 * i), score=i * 1.25,
          body=" ".join(f"word{j}" for j in range(40)))
    for i in range(50)
])

from reinhardt.web.http import HttpResponse
from reinhardt.web.shortcuts import render


def plain(request):
    return HttpResponse("Hello, World!")


def routed(request, **kwargs):
    return HttpResponse("routed")


def rows(request):
    """20 rows (with their authors, one query) rendered through a template."""
    from benchsite.models import Entry

    entries = Entry.objects.select_related("author").order_by("id")[:20]
    return render(request, "rows.html", {"entries": entries})

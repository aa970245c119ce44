"""ListView: a list of objects (usually a QuerySet), optionally paginated."""

from __future__ import annotations

from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.core.paginator import InvalidPage, Paginator
from reinhardt.utils.translation import gettext as _
from reinhardt.web.http import Http404
from reinhardt.web.views.generic.base import ContextMixin, TemplateResponseMixin, View

__all__ = ["MultipleObjectMixin", "BaseListView", "MultipleObjectTemplateResponseMixin",
           "ListView"]


def _fresh_copy(source):
    """A QuerySet is cloned so results cached by one request never leak into the next."""
    from reinhardt.orm.models import QuerySet

    return source.all() if isinstance(source, QuerySet) else source


def _requested_page(view, paginator) -> int:
    """The page number asked for (URL argument first, then ``?page=``); ``last`` allowed."""
    key = view.page_kwarg
    raw = view.kwargs.get(key) or view.request.GET.get(key) or 1
    try:
        return int(raw)
    except ValueError:
        if raw != "last":
            raise Http404(_("Page is not “last”, nor can it be converted to an int."))
    return paginator.num_pages


class MultipleObjectMixin(ContextMixin):
    """Build the object list (ordered, paginated) and put it in the context."""

    model = queryset = ordering = None
    context_object_name = paginate_by = None
    allow_empty, paginate_orphans = True, 0
    page_kwarg, paginator_class = "page", Paginator

    def get_queryset(self):
        """``queryset`` (a fresh copy per request) or all of ``model``'s, in ``ordering``."""
        if self.queryset is None:
            if self.model is None:
                cls = type(self).__name__
                raise ImproperlyConfigured(
                    f"{cls} is missing a QuerySet. Define {cls}.model, {cls}.queryset, or "
                    f"override {cls}.get_queryset()."
                )
            objects = self.model._default_manager.all()
        else:
            objects = _fresh_copy(self.queryset)
        order = self.get_ordering()
        if not order:
            return objects
        return objects.order_by(*((order,) if isinstance(order, str) else order))

    def get_ordering(self):
        """Field names to order by (a string or a sequence), or None to keep the default."""
        return self.ordering

    def paginate_queryset(self, queryset, page_size):
        """(paginator, page, the page's objects, whether there is more than one page).

        The page number comes from the URL's ``page`` argument or the ``?page=`` query
        parameter; ``last`` means the last page. A page that does not exist is a 404.
        """
        pager = self.get_paginator(queryset, page_size,
                                   orphans=self.get_paginate_orphans(),
                                   allow_empty_first_page=self.get_allow_empty())
        number = _requested_page(self, pager)
        try:
            current = pager.page(number)
        except InvalidPage as exc:
            message = _("Invalid page (%(page_number)s): %(message)s")
            raise Http404(message % {"page_number": number, "message": str(exc)})
        return pager, current, current.object_list, current.has_other_pages()

    def get_paginate_by(self, queryset):
        """Items per page, or None for no pagination."""
        return self.paginate_by

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True,
                      **kwargs):
        """An instance of ``paginator_class`` over ``queryset``."""
        return self.paginator_class(queryset, per_page, orphans=orphans,
                                    allow_empty_first_page=allow_empty_first_page, **kwargs)

    def get_paginate_orphans(self):
        """How many leftover items may join the last page instead of making a new one."""
        return self.paginate_orphans

    def get_allow_empty(self) -> bool:
        """Whether an empty list is a page (True) or a 404 (False)."""
        return self.allow_empty

    def get_context_object_name(self, object_list) -> str | None:
        """``context_object_name``, or ``<model_name>_list`` for a QuerySet."""
        if self.context_object_name:
            return self.context_object_name
        if hasattr(object_list, "model"):
            return f"{object_list.model._meta.model_name}_list"
        return None

    def get_context_data(self, *, object_list=None, **kwargs):
        items = self.object_list if object_list is None else object_list
        per_page = self.get_paginate_by(items)
        alias = self.get_context_object_name(items)
        extra = {"paginator": None, "page_obj": None, "is_paginated": False}
        if per_page:
            pager, current, items, several = self.paginate_queryset(items, per_page)
            extra.update(paginator=pager, page_obj=current, is_paginated=several)
        extra["object_list"] = items
        if alias is not None:
            extra[alias] = items
        return super().get_context_data(**{**extra, **kwargs})


class BaseListView(MultipleObjectMixin, View):
    """Fetch the list and render it; subclasses choose how to render."""

    def _list_is_empty(self) -> bool:
        items = self.object_list
        # With pagination, ask the database whether anything exists rather than
        # fetching every row just to find out.
        if self.get_paginate_by(items) is not None and hasattr(items, "exists"):
            return not items.exists()
        return not items

    def get(self, request, *args, **kwargs):
        self.object_list = self.get_queryset()
        if not self.get_allow_empty() and self._list_is_empty():
            message = _("Empty list and “%(class_name)s.allow_empty” is False.")
            raise Http404(message % {"class_name": type(self).__name__})
        return self.render_to_response(self.get_context_data())


class MultipleObjectTemplateResponseMixin(TemplateResponseMixin):
    """Template names for a list: ``<app_label>/<model_name>_list.html`` by default."""

    template_name_suffix = "_list"

    def get_template_names(self) -> list[str]:
        try:
            return super().get_template_names()
        except ImproperlyConfigured:
            model = getattr(self.object_list, "model", None)
            if model is None and not hasattr(self.object_list, "model"):
                raise ImproperlyConfigured(
                    f"{type(self).__name__} requires either a 'template_name' attribute "
                    "or a get_queryset() method that returns a QuerySet."
                )
            meta = model._meta
            return [f"{meta.app_label}/{meta.model_name}{self.template_name_suffix}.html"]


class ListView(MultipleObjectTemplateResponseMixin, BaseListView):
    """Render a list of objects (``object_list``, ``<model_name>_list``, pagination)."""

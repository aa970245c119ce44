"""ListView: a list of objects (usually a QuerySet), optionally paginated."""

from __future__ import annotations

from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.core.paginator import InvalidPage, Paginator
from reinhardt.utils.translation import gettext as _
from reinhardt.web.http import Http404
from reinhardt.web.views.generic.base import ContextMixin, TemplateResponseMixin, View

__all__ = ["MultipleObjectMixin", "BaseListView", "MultipleObjectTemplateResponseMixin",
           "ListView"]


class MultipleObjectMixin(ContextMixin):
    """Build the object list (ordered, paginated) and put it in the context."""

    allow_empty = True
    queryset = None
    model = None
    paginate_by = None
    paginate_orphans = 0
    context_object_name = None
    paginator_class = Paginator
    page_kwarg = "page"
    ordering = None

    def get_queryset(self):
        """``queryset`` (a fresh copy per request) or all of ``model``'s, in ``ordering``."""
        if self.queryset is not None:
            from reinhardt.orm.models import QuerySet

            queryset = self.queryset
            if isinstance(queryset, QuerySet):
                queryset = queryset.all()
        elif self.model is not None:
            queryset = self.model._default_manager.all()
        else:
            name = self.__class__.__name__
            raise ImproperlyConfigured(
                f"{name} is missing a QuerySet. Define {name}.model, {name}.queryset, or "
                f"override {name}.get_queryset()."
            )
        ordering = self.get_ordering()
        if ordering:
            if isinstance(ordering, str):
                ordering = (ordering,)
            queryset = queryset.order_by(*ordering)
        return queryset

    def get_ordering(self):
        return self.ordering

    def paginate_queryset(self, queryset, page_size):
        """(paginator, page, the page's objects, whether there is more than one page).

        The page number comes from the URL's ``page`` argument or the ``?page=`` query
        parameter; ``last`` means the last page. A page that does not exist is a 404.
        """
        paginator = self.get_paginator(
            queryset, page_size, orphans=self.get_paginate_orphans(),
            allow_empty_first_page=self.get_allow_empty(),
        )
        page_kwarg = self.page_kwarg
        page = self.kwargs.get(page_kwarg) or self.request.GET.get(page_kwarg) or 1
        try:
            page_number = int(page)
        except ValueError:
            if page == "last":
                page_number = paginator.num_pages
            else:
                raise Http404(_("Page is not “last”, nor can it be converted to an int."))
        try:
            page = paginator.page(page_number)
        except InvalidPage as e:
            raise Http404(
                _("Invalid page (%(page_number)s): %(message)s")
                % {"page_number": page_number, "message": str(e)}
            )
        return (paginator, page, page.object_list, page.has_other_pages())

    def get_paginate_by(self, queryset):
        """Items per page, or None for no pagination."""
        return self.paginate_by

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True,
                      **kwargs):
        return self.paginator_class(queryset, per_page, orphans=orphans,
                                    allow_empty_first_page=allow_empty_first_page, **kwargs)

    def get_paginate_orphans(self):
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
        queryset = object_list if object_list is not None else self.object_list
        page_size = self.get_paginate_by(queryset)
        context_object_name = self.get_context_object_name(queryset)
        if page_size:
            paginator, page, queryset, is_paginated = self.paginate_queryset(queryset, page_size)
            context = {"paginator": paginator, "page_obj": page, "is_paginated": is_paginated,
                       "object_list": queryset}
        else:
            context = {"paginator": None, "page_obj": None, "is_paginated": False,
                       "object_list": queryset}
        if context_object_name is not None:
            context[context_object_name] = queryset
        context.update(kwargs)
        return super().get_context_data(**context)


class BaseListView(MultipleObjectMixin, View):
    """Fetch the list and render it; subclasses choose how to render."""

    def get(self, request, *args, **kwargs):
        self.object_list = self.get_queryset()
        if not self.get_allow_empty():
            # With pagination, ask the database whether anything exists rather than
            # fetching every row just to find out.
            if (self.get_paginate_by(self.object_list) is not None
                    and hasattr(self.object_list, "exists")):
                is_empty = not self.object_list.exists()
            else:
                is_empty = not self.object_list
            if is_empty:
                raise Http404(
                    _("Empty list and “%(class_name)s.allow_empty” is False.")
                    % {"class_name": self.__class__.__name__}
                )
        context = self.get_context_data()
        return self.render_to_response(context)


class MultipleObjectTemplateResponseMixin(TemplateResponseMixin):
    """Template names for a list: ``<app_label>/<model_name>_list.html`` by default."""

    template_name_suffix = "_list"

    def get_template_names(self) -> list[str]:
        try:
            return super().get_template_names()
        except ImproperlyConfigured:
            if not hasattr(self.object_list, "model"):
                raise ImproperlyConfigured(
                    f"{self.__class__.__name__} requires either a 'template_name' attribute "
                    "or a get_queryset() method that returns a QuerySet."
                )
            opts = self.object_list.model._meta
            return [f"{opts.app_label}/{opts.model_name}{self.template_name_suffix}.html"]


class ListView(MultipleObjectTemplateResponseMixin, BaseListView):
    """Render a list of objects (``object_list``, ``<model_name>_list``, pagination)."""

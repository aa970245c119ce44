"""DetailView: one object, found by the pk or slug in the URL, rendered with a template."""

from __future__ import annotations

from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.utils.translation import gettext as _
from reinhardt.web.http import Http404
from reinhardt.web.views.generic.base import ContextMixin, TemplateResponseMixin, View

__all__ = ["SingleObjectMixin", "BaseDetailView", "SingleObjectTemplateResponseMixin",
           "DetailView"]


def _is_model_instance(obj) -> bool:
    from reinhardt.orm.models import Model

    return isinstance(obj, Model)


def _is_model_class(cls) -> bool:
    from reinhardt.orm.models import Model

    return isinstance(cls, type) and issubclass(cls, Model)


class SingleObjectMixin(ContextMixin):
    """Look up the object the view is about, and put it in the context."""

    model = None
    queryset = None
    slug_field = "slug"
    context_object_name = None
    slug_url_kwarg = "slug"
    pk_url_kwarg = "pk"
    query_pk_and_slug = False

    def get_object(self, queryset=None):
        """The object named by the URL's ``pk`` (or ``slug``) argument; Http404 if none."""
        if queryset is None:
            queryset = self.get_queryset()
        pk = self.kwargs.get(self.pk_url_kwarg)
        slug = self.kwargs.get(self.slug_url_kwarg)
        if pk is not None:
            queryset = queryset.filter(pk=pk)
        if slug is not None and (pk is None or self.query_pk_and_slug):
            queryset = queryset.filter(**{self.get_slug_field(): slug})
        if pk is None and slug is None:
            raise AttributeError(
                f"Generic detail view {self.__class__.__name__} must be called with either an "
                "object pk or a slug in the URLconf."
            )
        try:
            return queryset.get()
        except queryset.model.DoesNotExist:
            raise Http404(
                _("No %(verbose_name)s found matching the query")
                % {"verbose_name": queryset.model._meta.verbose_name}
            )

    def get_queryset(self):
        """``queryset`` (re-evaluated on each request), or all of ``model``'s objects."""
        if self.queryset is None:
            if self.model:
                return self.model._default_manager.all()
            name = self.__class__.__name__
            raise ImproperlyConfigured(
                f"{name} is missing a QuerySet. Define {name}.model, {name}.queryset, or "
                f"override {name}.get_queryset()."
            )
        return self.queryset.all()

    def get_slug_field(self) -> str:
        return self.slug_field

    def get_context_object_name(self, obj) -> str | None:
        """``context_object_name``, or the model's name in lower case (``article``)."""
        if self.context_object_name:
            return self.context_object_name
        if _is_model_instance(obj):
            return obj._meta.model_name
        return None

    def get_context_data(self, **kwargs):
        context = {}
        if self.object:
            context["object"] = self.object
            context_object_name = self.get_context_object_name(self.object)
            if context_object_name:
                context[context_object_name] = self.object
        context.update(kwargs)
        return super().get_context_data(**context)


class BaseDetailView(SingleObjectMixin, View):
    """Fetch the object and render it; subclasses choose how to render."""

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        context = self.get_context_data(object=self.object)
        return self.render_to_response(context)


class SingleObjectTemplateResponseMixin(TemplateResponseMixin):
    """Template names for one object: ``<app_label>/<model_name>_detail.html`` by default."""

    template_name_field = None
    template_name_suffix = "_detail"

    def get_template_names(self) -> list[str]:
        try:
            return super().get_template_names()
        except ImproperlyConfigured:
            names = []
            obj = getattr(self, "object", None)
            if obj and self.template_name_field:
                name = getattr(obj, self.template_name_field, None)
                if name:
                    names.insert(0, name)
            if _is_model_instance(obj):
                opts = obj._meta
                names.append(f"{opts.app_label}/{opts.model_name}{self.template_name_suffix}.html")
            elif _is_model_class(getattr(self, "model", None)):
                opts = self.model._meta
                names.append(f"{opts.app_label}/{opts.model_name}{self.template_name_suffix}.html")
            if not names:
                raise
            return names


class DetailView(SingleObjectTemplateResponseMixin, BaseDetailView):
    """Render one object (``object`` and ``<model_name>`` in the context)."""

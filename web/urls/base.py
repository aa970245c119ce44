"""reverse() and resolve(), and the per-thread URLconf override."""

from __future__ import annotations

from contextvars import ContextVar
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

from reinhardt.utils.functional import lazy
from reinhardt.utils.script_prefix import clear_script_prefix, get_script_prefix, set_script_prefix
from reinhardt.utils.translation import override
from reinhardt.web.urls.exceptions import NoReverseMatch, Resolver404
from reinhardt.web.urls.resolvers import _get_cached_resolver, get_resolver
from reinhardt.web.urls.utils import get_callable

# The URLconf of the current thread or task, when a request set request.urlconf.
_urlconf: ContextVar = ContextVar("reinhardt_urlconf", default=None)


def resolve(path: str, urlconf=None):
    """The ResolverMatch for ``path``; raise Resolver404 if nothing matches."""
    if urlconf is None:
        urlconf = get_urlconf()
    return get_resolver(urlconf).resolve(path)


def reverse(viewname, urlconf=None, args=None, kwargs=None, current_app: str | None = None,
            *, query=None, fragment: str | None = None) -> str:
    """The URL of a view or a (namespaced) URL name, filled with ``args`` or ``kwargs``."""
    if urlconf is None:
        urlconf = get_urlconf()
    resolver = get_resolver(urlconf)
    args = args or []
    kwargs = kwargs or {}
    prefix = get_script_prefix()
    ns_prefixes: list = []
    if not isinstance(viewname, str):
        view = viewname
    else:
        *path, view = viewname.split(":")
        current_path = current_app.split(":") if current_app else None
        if current_path:
            current_path.reverse()
        resolved_path: list[str] = []
        for ns in path:
            current_ns = current_path.pop() if current_path else None
            # An application namespace: pick the instance (current app, or the default).
            app_list = resolver.app_dict.get(ns)
            if app_list is not None:
                if current_ns and current_ns in app_list:
                    ns = current_ns
                elif ns not in app_list:
                    ns = app_list[0]
            if ns != current_ns:
                current_path = None
            try:
                prefixes, resolver = resolver.namespace_dict[ns]
            except KeyError:
                if resolved_path:
                    raise NoReverseMatch(
                        f"'{ns}' is not a registered namespace inside "
                        f"'{':'.join(resolved_path)}'"
                    ) from None
                raise NoReverseMatch(f"'{ns}' is not a registered namespace") from None
            resolved_path.append(ns)
            ns_prefixes.extend(prefixes)
    resolved_url = resolver._reverse_with_prefix(view, prefix, *args, _ns_prefixes=ns_prefixes,
                                                 **kwargs)
    if query is not None:
        if isinstance(query, str):
            query_string = query
        elif hasattr(query, "urlencode"):
            query_string = query.urlencode()
        else:
            query_string = urlencode(query, doseq=True)
        if query_string:
            resolved_url += "?" + query_string
    if fragment is not None:
        resolved_url += "#" + fragment
    return resolved_url


reverse_lazy = lazy(reverse, str)


def clear_url_caches() -> None:
    get_callable.cache_clear()
    _get_cached_resolver.cache_clear()


def set_urlconf(urlconf_name) -> None:
    """Use ``urlconf_name`` for this thread/task (None restores ROOT_URLCONF)."""
    _urlconf.set(urlconf_name or None)


def get_urlconf(default=None):
    value = _urlconf.get()
    return default if value is None else value


def is_valid_path(path: str, urlconf=None):
    """The ResolverMatch if ``path`` resolves, else False."""
    try:
        return resolve(path, urlconf)
    except Resolver404:
        return False


def translate_url(url: str, lang_code: str) -> str:
    """The URL of the same view in another language, or ``url`` unchanged."""
    parsed = urlsplit(url)
    try:
        match = resolve(unquote(parsed.path))
    except Resolver404:
        return url
    to_be_reversed = (f"{match.namespace}:{match.url_name}" if match.namespace
                      else match.url_name)
    with override(lang_code):
        try:
            url = reverse(to_be_reversed, args=match.args, kwargs=match.kwargs)
        except NoReverseMatch:
            return url
    return urlunsplit((parsed.scheme, parsed.netloc, url, parsed.query, parsed.fragment))


__all__ = ["resolve", "reverse", "reverse_lazy", "clear_url_caches", "set_urlconf",
           "get_urlconf", "is_valid_path", "translate_url", "get_script_prefix",
           "set_script_prefix", "clear_script_prefix"]

"""URL routing (``django.urls``): path(), re_path(), include(), reverse(), resolve()."""

from reinhardt.utils.script_prefix import clear_script_prefix, get_script_prefix, set_script_prefix
from reinhardt.web.urls.base import (
    clear_url_caches,
    get_urlconf,
    is_valid_path,
    resolve,
    reverse,
    reverse_lazy,
    set_urlconf,
    translate_url,
)
from reinhardt.web.urls.conf import include, path, re_path
from reinhardt.web.urls.converters import register_converter
from reinhardt.web.urls.exceptions import NoReverseMatch, Resolver404
from reinhardt.web.urls.resolvers import (
    ResolverMatch,
    URLPattern,
    URLResolver,
    get_ns_resolver,
    get_resolver,
)
from reinhardt.web.urls.utils import get_callable, get_mod_func

__all__ = [
    "ResolverMatch", "URLPattern", "URLResolver", "NoReverseMatch", "Resolver404",
    "clear_script_prefix", "clear_url_caches", "get_callable", "get_mod_func",
    "get_ns_resolver", "get_resolver", "get_script_prefix", "get_urlconf", "include",
    "is_valid_path", "path", "re_path", "register_converter", "resolve", "reverse",
    "reverse_lazy", "set_script_prefix", "set_urlconf", "translate_url",
]

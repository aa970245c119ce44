"""Mark local variables and POST fields whose values error reports must hide."""

from __future__ import annotations

from functools import wraps

from asgiref.sync import iscoroutinefunction


def sensitive_variables(*variables):
    """Hide the named local variables (all, if none named) of the function in error reports."""
    if len(variables) == 1 and callable(variables[0]):
        raise TypeError(
            "sensitive_variables() must be called to use it as a decorator, e.g., use "
            "@sensitive_variables(), not @sensitive_variables."
        )

    def decorator(func):
        marker = variables or "__ALL__"
        if iscoroutinefunction(func):

            @wraps(func)
            async def sensitive_variables_wrapper(*func_args, **func_kwargs):
                sensitive_variables_wrapper.sensitive_variables = marker
                return await func(*func_args, **func_kwargs)

        else:

            @wraps(func)
            def sensitive_variables_wrapper(*func_args, **func_kwargs):
                return func(*func_args, **func_kwargs)

        sensitive_variables_wrapper.sensitive_variables = marker
        return sensitive_variables_wrapper

    return decorator


def sensitive_post_parameters(*parameters):
    """Hide the named POST fields (all, if none named) in error reports."""
    if len(parameters) == 1 and callable(parameters[0]):
        raise TypeError(
            "sensitive_post_parameters() must be called to use it as a decorator, e.g., use "
            "@sensitive_post_parameters(), not @sensitive_post_parameters."
        )

    def decorator(view):
        def mark(request):
            if not hasattr(request, "META"):
                raise TypeError(
                    "sensitive_post_parameters didn't receive an HttpRequest object. If you "
                    "are decorating a classmethod, make sure to use @method_decorator."
                )
            request.sensitive_post_parameters = parameters or "__ALL__"

        if iscoroutinefunction(view):

            @wraps(view)
            async def sensitive_post_parameters_wrapper(request, *args, **kwargs):
                mark(request)
                return await view(request, *args, **kwargs)

        else:

            @wraps(view)
            def sensitive_post_parameters_wrapper(request, *args, **kwargs):
                mark(request)
                return view(request, *args, **kwargs)

        return sensitive_post_parameters_wrapper

    return decorator

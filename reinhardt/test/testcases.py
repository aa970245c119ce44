"""SimpleTestCase and its assertions (``django.test.testcases``).

TestCase and TransactionTestCase, which need the database, build on SimpleTestCase once the
ORM provides transactions; see reinhardt.test.db_testcases.
"""

from __future__ import annotations

import difflib
import json
import unittest
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from asgiref.sync import async_to_sync, iscoroutinefunction

from reinhardt.conf import settings
from reinhardt.test.client import AsyncClient, Client
from reinhardt.test.html import assert_and_parse_html
from reinhardt.test.signals import template_rendered
from reinhardt.test.utils import modify_settings, override_settings
from reinhardt.web.http import QueryDict
from reinhardt.web.http.request import split_domain_port, validate_host

__all__ = ["SimpleTestCase"]


def _normalize_url(url: str) -> str:
    """A URL with its query arguments sorted, for order-insensitive comparison."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    query_parts = sorted(parse_qsl(query))
    return urlunsplit((scheme, netloc, path, urlencode(query_parts), fragment))


class _AssertTemplateUsedContext:
    def __init__(self, test_case, template_name: str, msg_prefix: str = "", count=None):
        self.test_case = test_case
        self.template_name = template_name
        self.msg_prefix = msg_prefix
        self.count = count
        self.rendered_templates = []
        self.rendered_template_names = []

    def on_template_render(self, sender, signal, template, context, **kwargs):
        self.rendered_templates.append(template)
        self.rendered_template_names.append(template.name)

    def test(self):
        self.test_case._assert_template_used(self.template_name, self.rendered_template_names,
                                             self.msg_prefix, self.count)

    def __enter__(self):
        template_rendered.connect(self.on_template_render)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        template_rendered.disconnect(self.on_template_render)
        if exc_type is not None:
            return
        self.test()


class _AssertTemplateNotUsedContext(_AssertTemplateUsedContext):
    def test(self):
        self.test_case.assertFalse(
            self.template_name in self.rendered_template_names,
            f"{self.msg_prefix}Template '{self.template_name}' was used unexpectedly in "
            "rendering the response",
        )


class SimpleTestCase(unittest.TestCase):
    """A test case with the test client and web assertions; no database access."""

    client_class = Client
    async_client_class = AsyncClient
    _overridden_settings = None
    _modified_settings = None
    databases: set[str] | str = set()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls._overridden_settings:
            cls._cls_overridden_context = override_settings(**cls._overridden_settings)
            cls._cls_overridden_context.enable()
            cls.addClassCleanup(cls._cls_overridden_context.disable)
        if cls._modified_settings:
            cls._cls_modified_context = modify_settings(cls._modified_settings)
            cls._cls_modified_context.enable()
            cls.addClassCleanup(cls._cls_modified_context.disable)

    def __call__(self, result=None):
        """Set up the clients around each test, without the test having to call super()."""
        self._setup_and_call(result)

    def debug(self):
        debug_result = _DebugResult()
        self._setup_and_call(debug_result, debug=True)

    def _setup_and_call(self, result, debug: bool = False):
        test_method = getattr(self, self._testMethodName)
        skipped = getattr(self.__class__, "__unittest_skip__", False) or getattr(
            test_method, "__unittest_skip__", False
        )
        if iscoroutinefunction(test_method):
            setattr(self, self._testMethodName, async_to_sync(test_method))
        if not skipped:
            try:
                self._pre_setup()
            except Exception:
                if debug:
                    raise
                result.addError(self, _exc_info())
                return
        if debug:
            super().debug()
        else:
            super().__call__(result)
        if not skipped:
            try:
                self._post_teardown()
            except Exception:
                if debug:
                    raise
                result.addError(self, _exc_info())
                return

    def _pre_setup(self):
        self.client = self.client_class()
        self.async_client = self.async_client_class()

    def _post_teardown(self):
        pass

    def settings(self, **kwargs):
        """A context manager that overrides settings, restoring them on exit."""
        return override_settings(**kwargs)

    def modify_settings(self, **kwargs):
        return modify_settings(**kwargs)

    # Redirects and URLs -------------------------------------------------------------------

    def assertRedirects(self, response, expected_url, status_code=302, target_status_code=200,
                        msg_prefix="", fetch_redirect_response=True):
        """The response redirected (status_code) to expected_url, which answers target_status."""
        if msg_prefix:
            msg_prefix += ": "
        if hasattr(response, "redirect_chain"):
            # The client followed the redirects: check the first hop and the last page.
            self.assertTrue(
                len(response.redirect_chain) > 0,
                msg_prefix + f"Response didn't redirect as expected: Response code was "
                f"{response.status_code} (expected {status_code})",
            )
            self.assertEqual(
                response.redirect_chain[0][1], status_code,
                msg_prefix + "Initial response didn't redirect as expected: Response code was "
                f"{response.redirect_chain[0][1]} (expected {status_code})",
            )
            url, status_code = response.redirect_chain[-1]
            self.assertEqual(
                response.status_code, target_status_code,
                msg_prefix + "Response didn't redirect as expected: Final Response code was "
                f"{response.status_code} (expected {target_status_code})",
            )
        else:
            self.assertEqual(
                response.status_code, status_code,
                msg_prefix + "Response didn't redirect as expected: Response code was "
                f"{response.status_code} (expected {status_code})",
            )
            url = response.url
            scheme, netloc, path, query, fragment = urlsplit(url)
            if not path.startswith("/"):
                url = urljoin(response.request["PATH_INFO"], url)
                path = urljoin(response.request["PATH_INFO"], path)
            if fetch_redirect_response:
                if netloc:
                    domain, port = split_domain_port(netloc)
                    if domain and not validate_host(domain, settings.ALLOWED_HOSTS):
                        raise ValueError(
                            f"The test client is unable to fetch remote URLs (got {url}). If "
                            f"the host is served by reinhardt, add '{domain}' to ALLOWED_HOSTS. "
                            "Otherwise, use assertRedirects(..., fetch_redirect_response=False)."
                        )
                extra = response.client.extra or {}
                headers = response.client.headers or {}
                redirect_response = response.client.get(
                    path, QueryDict(query), secure=(scheme == "https"), headers=headers, **extra
                )
                self.assertEqual(
                    redirect_response.status_code, target_status_code,
                    msg_prefix + f"Couldn't retrieve redirection page '{path}': response code "
                    f"was {redirect_response.status_code} (expected {target_status_code})",
                )
        self.assertURLEqual(
            url, expected_url,
            msg_prefix + f"Response redirected to '{url}', expected '{expected_url}'",
        )

    def assertURLEqual(self, url1, url2, msg_prefix=""):
        """The URLs are equal, ignoring the order of query arguments."""
        self.assertEqual(
            _normalize_url(str(url1)), _normalize_url(str(url2)),
            msg_prefix + f"Expected '{url1}' to equal '{url2}'.",
        )

    # Content ------------------------------------------------------------------------------

    def _assert_contains(self, response, text, status_code, msg_prefix, html):
        if (hasattr(response, "render") and callable(response.render)
                and not response.is_rendered):
            response.render()
        if msg_prefix:
            msg_prefix += ": "
        self.assertEqual(
            response.status_code, status_code,
            msg_prefix + f"Couldn't retrieve content: Response code was {response.status_code}"
            f" (expected {status_code})",
        )
        if response.streaming:
            content = b"".join(response.streaming_content)
        else:
            content = response.content
        content_repr = _safe_repr(content)
        if not isinstance(text, bytes) or html:
            text = str(text)
            content = content.decode(response.charset)
            text_repr = f"'{text}'"
        else:
            text_repr = repr(text)
        if html:
            content = assert_and_parse_html(self, content, None,
                                            "Response's content is not valid HTML:")
            text = assert_and_parse_html(self, text, None, "Second argument is not valid HTML:")
        real_count = content.count(text)
        return text_repr, real_count, msg_prefix, content_repr

    def assertContains(self, response, text, count=None, status_code=200, msg_prefix="",
                       html=False):
        """The response has status_code and contains text (``count`` times, if given)."""
        text_repr, real_count, msg_prefix, content_repr = self._assert_contains(
            response, text, status_code, msg_prefix, html)
        if count is not None:
            self.assertEqual(
                real_count, count,
                msg_prefix + f"Found {real_count} instances of {text_repr} (expected {count})",
            )
        else:
            self.assertTrue(
                real_count != 0,
                msg_prefix + f"Couldn't find {text_repr} in the following response\n"
                f"{content_repr}",
            )

    def assertNotContains(self, response, text, status_code=200, msg_prefix="", html=False):
        text_repr, real_count, msg_prefix, content_repr = self._assert_contains(
            response, text, status_code, msg_prefix, html)
        self.assertEqual(
            real_count, 0,
            msg_prefix + f"{text_repr} unexpectedly found in the following response\n"
            f"{content_repr}",
        )

    # Templates ----------------------------------------------------------------------------

    def _get_template_used(self, response, template_name, msg_prefix, method_name):
        if response is None and template_name is None:
            raise TypeError("response and/or template_name argument must be provided")
        if msg_prefix:
            msg_prefix += ": "
        if template_name is not None and response is not None:
            self._check_test_client_response(response, "templates", method_name)
        if not hasattr(response, "templates") or (response is None and template_name):
            if response:
                template_name = response
                response = None
            # The test method is used as a context manager.
            return True, template_name, msg_prefix
        template_names = [t.name for t in response.templates if t.name is not None]
        return None, template_names, msg_prefix

    def _check_test_client_response(self, response, attribute, method_name):
        if not hasattr(response, attribute):
            raise ValueError(
                f"{method_name}() is only usable on responses fetched using the test Client."
            )

    def _assert_template_used(self, template_name, template_names, msg_prefix, count):
        if not template_names:
            self.fail(msg_prefix + "No templates used to render the response")
        self.assertTrue(
            template_name in template_names,
            msg_prefix + f"Template '{template_name}' was not a template used to render the "
            f"response. Actual template(s) used: {', '.join(template_names)}",
        )
        if count is not None:
            self.assertEqual(
                template_names.count(template_name), count,
                msg_prefix + f"Template '{template_name}' was expected to be rendered {count} "
                f"time(s) but was actually rendered {template_names.count(template_name)} "
                "time(s).",
            )

    def assertTemplateUsed(self, response=None, template_name=None, msg_prefix="", count=None):
        """The template was used to render the response (or, as a context manager, inside)."""
        context_mgr_template, template_names, msg_prefix = self._get_template_used(
            response, template_name, msg_prefix, "assertTemplateUsed")
        if context_mgr_template:
            return _AssertTemplateUsedContext(self, template_names, msg_prefix, count)
        self._assert_template_used(template_name, template_names, msg_prefix, count)

    def assertTemplateNotUsed(self, response=None, template_name=None, msg_prefix=""):
        context_mgr_template, template_names, msg_prefix = self._get_template_used(
            response, template_name, msg_prefix, "assertTemplateNotUsed")
        if context_mgr_template:
            return _AssertTemplateNotUsedContext(self, template_names, msg_prefix)
        self.assertFalse(
            template_name in template_names,
            msg_prefix + f"Template '{template_name}' was used unexpectedly in rendering the "
            "response",
        )

    # Exceptions and warnings --------------------------------------------------------------

    @contextmanager
    def _assert_raises_or_warns_cm(self, func, cm_attr, expected_exception, expected_message):
        with func(expected_exception) as cm:
            yield cm
        self.assertIn(expected_message, str(getattr(cm, cm_attr)))

    def _assertFooMessage(self, func, cm_attr, expected_exception, expected_message, *args,
                          **kwargs):
        callable_obj = None
        if args:
            callable_obj, *args = args
        cm = self._assert_raises_or_warns_cm(func, cm_attr, expected_exception,
                                             expected_message)
        if callable_obj is None:
            return cm
        with cm:
            callable_obj(*args, **kwargs)

    def assertRaisesMessage(self, expected_exception, expected_message, *args, **kwargs):
        """Like assertRaises, and the exception's message contains expected_message."""
        return self._assertFooMessage(self.assertRaises, "exception", expected_exception,
                                      expected_message, *args, **kwargs)

    def assertWarnsMessage(self, expected_warning, expected_message, *args, **kwargs):
        return self._assertFooMessage(self.assertWarns, "warning", expected_warning,
                                      expected_message, *args, **kwargs)

    # HTML and JSON --------------------------------------------------------------------------

    def assertHTMLEqual(self, html1, html2, msg=None):
        """The two HTML fragments are equal, ignoring whitespace and attribute order."""
        dom1 = assert_and_parse_html(self, html1, msg, "First argument is not valid HTML:")
        dom2 = assert_and_parse_html(self, html2, msg, "Second argument is not valid HTML:")
        if dom1 != dom2:
            standard_msg = f"{_safe_repr(dom1, True)} != {_safe_repr(dom2, True)}"
            diff = "\n" + "\n".join(difflib.ndiff(str(dom1).splitlines(),
                                                  str(dom2).splitlines()))
            self.fail(self._formatMessage(msg, standard_msg + diff))

    def assertHTMLNotEqual(self, html1, html2, msg=None):
        dom1 = assert_and_parse_html(self, html1, msg, "First argument is not valid HTML:")
        dom2 = assert_and_parse_html(self, html2, msg, "Second argument is not valid HTML:")
        if dom1 == dom2:
            self.fail(self._formatMessage(msg, f"{_safe_repr(dom1, True)} == "
                                               f"{_safe_repr(dom2, True)}"))

    def assertInHTML(self, needle, haystack, count=None, msg_prefix=""):
        parsed_needle = assert_and_parse_html(self, needle, None,
                                              "First argument is not valid HTML:")
        parsed_haystack = assert_and_parse_html(self, haystack, None,
                                                "Second argument is not valid HTML:")
        real_count = parsed_haystack.count(parsed_needle)
        if msg_prefix:
            msg_prefix += ": "
        if count is not None:
            self.assertEqual(real_count, count, msg_prefix +
                             f"Found {real_count} instances of '{needle}' (expected {count})")
        else:
            self.assertTrue(real_count != 0, msg_prefix + f"Couldn't find '{needle}' in the "
                                                          f"following response\n{haystack!r}")

    def assertNotInHTML(self, needle, haystack, msg_prefix=""):
        self.assertInHTML(needle, haystack, count=0, msg_prefix=msg_prefix)

    def assertJSONEqual(self, raw, expected_data, msg=None):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            self.fail(f"First argument is not valid JSON: {raw!r}")
        if isinstance(expected_data, str):
            try:
                expected_data = json.loads(expected_data)
            except ValueError:
                self.fail(f"Second argument is not valid JSON: {expected_data!r}")
        self.assertEqual(data, expected_data, msg=msg)

    def assertJSONNotEqual(self, raw, expected_data, msg=None):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            self.fail(f"First argument is not valid JSON: {raw!r}")
        if isinstance(expected_data, str):
            try:
                expected_data = json.loads(expected_data)
            except json.JSONDecodeError:
                self.fail(f"Second argument is not valid JSON: {expected_data!r}")
        self.assertNotEqual(data, expected_data, msg=msg)


def _safe_repr(obj, short: bool = False, max_length: int = 80) -> str:
    try:
        result = repr(obj)
    except Exception:
        result = object.__repr__(obj)
    if not short or len(result) < max_length:
        return result
    return result[:max_length] + " [truncated]..."


def _exc_info():
    import sys

    return sys.exc_info()


class _DebugResult:
    """Used by debug() to let exceptions propagate."""

    def addError(self, test, err):
        raise err[1]




def _databases_of(test_case_class) -> list[str]:
    """The aliases a test case may use: its ``databases`` ("__all__" means every one)."""
    from reinhardt.orm import connections

    databases = test_case_class.databases
    if databases == "__all__":
        return list(connections)
    return sorted(databases)


class TransactionTestCase(SimpleTestCase):
    """A test case that uses the database for real: each test's data is deleted
    afterwards (every table emptied), so tests may commit and use transactions."""

    databases: set[str] | str = {"default"}
    # Reset auto-increment counters along with the rows.
    reset_sequences = False

    def _post_teardown(self):
        try:
            self._fixture_teardown()
        finally:
            super()._post_teardown()

    def _fixture_teardown(self):
        from reinhardt.core.management import call_command

        for alias in _databases_of(type(self)):
            call_command("flush", verbosity=0, interactive=False, database=alias,
                         reset_sequences=self.reset_sequences, inhibit_post_migrate=True)


class TestCase(TransactionTestCase):
    """A test case whose tests each run in a transaction that is rolled back, inside a
    class-wide transaction holding ``setUpTestData()``'s data: fast, and isolated."""

    @classmethod
    def _enter_atomics(cls) -> dict:
        from reinhardt.orm import transaction

        atomics = {}
        for alias in _databases_of(cls):
            atomics[alias] = transaction.atomic(using=alias)
            atomics[alias].__enter__()
        return atomics

    @classmethod
    def _rollback_atomics(cls, atomics: dict) -> None:
        from reinhardt.orm import transaction

        for alias, atomic in reversed(list(atomics.items())):
            transaction.set_rollback(True, using=alias)
            atomic.__exit__(None, None, None)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cls_atomics = cls._enter_atomics()
        try:
            cls.setUpTestData()
        except Exception:
            cls._rollback_atomics(cls.cls_atomics)
            raise

    @classmethod
    def tearDownClass(cls):
        cls._rollback_atomics(cls.cls_atomics)
        super().tearDownClass()

    @classmethod
    def setUpTestData(cls):
        """Create data shared by every test of the class (rolled back after them)."""

    def _pre_setup(self):
        super()._pre_setup()
        self.atomics = self._enter_atomics()

    def _fixture_teardown(self):
        self._rollback_atomics(self.atomics)

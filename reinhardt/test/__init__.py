"""Testing tools, mirroring ``django.test``."""

from reinhardt.test.client import AsyncClient, AsyncRequestFactory, Client, RequestFactory
from reinhardt.test.testcases import (
    SimpleTestCase,
    TestCase,
    TransactionTestCase,
    skipIfDBFeature,
    skipUnlessAnyDBFeature,
    skipUnlessDBFeature,
)
from reinhardt.test.utils import modify_settings, override_settings

__all__ = [
    "AsyncClient", "AsyncRequestFactory", "Client", "RequestFactory", "SimpleTestCase",
    "TestCase", "TransactionTestCase", "skipIfDBFeature", "skipUnlessAnyDBFeature",
    "skipUnlessDBFeature", "modify_settings", "override_settings",
]

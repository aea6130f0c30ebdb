"""Fixtures of the client-care tests."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English (the pages choose by the language cookie;
    `test_limits.test_the_refusal_reads_in_chinese` checks the default language)."""
    with translation.override("en"):
        yield

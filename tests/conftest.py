"""Fixtures for every test directory; the helpers themselves live in tests/support."""

from tests.support.fixtures import down_url, relay_process  # noqa: F401  (fixtures are used by name)

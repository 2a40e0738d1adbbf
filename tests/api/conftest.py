"""API test fixtures (the harness lives in api_harness.py so test modules can import its types)."""

from api_harness import harness

__all__ = ["harness"]

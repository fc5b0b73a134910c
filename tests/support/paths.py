"""Where the test suite's own files are, for tests at any depth of tests/."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
REPO = TESTS.parent
DATA = TESTS / "data"  # recorded tool outputs, specs, golden reports
FIXTURES = TESTS / "fixtures"  # fixture projects and services

"""pytest plugin (`-p wxmall.pytest_demo` in pyproject's addopts): the test suite runs the embedded demo.

Loaded before pytest-django imports the settings, which a conftest.py is not; subprocesses the tests
start (manage.py, runall, Celery) inherit the variable. A test of production mode sets its own env."""

import os

os.environ.setdefault("WXMALL_DEMO", "1")

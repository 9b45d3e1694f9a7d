"""Shared test helpers (importable as ``helpers.*``: pytest puts ``tests/`` on sys.path for the root conftest).

- ``helpers.http``: ``HttpReceiver``, a real HTTP server on loopback that records requests and answers as told.
- ``helpers.db``: ``snapshot``/``unchanged``/``refused``, for "a refused operation writes nothing".
"""

"""``python -m wxsandbox`` is the ``wxsandbox`` command."""

from wxsandbox.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

"""wxsandbox fixtures for the sandbox's own tests (the hub's root conftest may import the same names)."""

from wxsandbox.testing import (  # noqa: F401  (pytest discovers fixtures by name)
    wxsandbox,
    wxsandbox_base_config,
    wxsandbox_factory,
    wxsandbox_session,
)

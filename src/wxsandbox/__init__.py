"""wxsandbox: a faithful local emulator of WeChat's servers (Official Account, Mini Program, WeChat Pay v3).

Standalone: never imports wxmall. Entry points: ``wxsandbox.app.create_app``, the ``wxsandbox`` CLI
(``python -m wxsandbox``) and the pytest fixtures in ``wxsandbox.testing``.
"""

__version__ = "0.1.0"

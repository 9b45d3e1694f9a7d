import pytest

from wxmall.wechat.clients import registry
from wxmall.wechat.testing import forget_credentials, use_sandbox


class WeChat:
    """The hub wired to a fresh wxsandbox: `sandbox` (SandboxHandle) and `client(name)`."""

    def __init__(self, sandbox):
        self.sandbox = sandbox

    def client(self, name: str = "oa"):
        from wxmall.wechat import client

        return client(name)


@pytest.fixture
def wechat(db, settings, wxsandbox):
    use_sandbox(settings, wxsandbox)
    forget_credentials(settings)
    registry().recorder.discard()
    yield WeChat(wxsandbox)

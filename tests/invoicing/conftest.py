import pytest

from officialaccount.conftest import oa_hub  # noqa: F401  (fixture, found by name)


@pytest.fixture
def invoice_hub(oa_hub, settings):  # noqa: F811
    """A live hub whose Official Account and invoicing platform are one fresh wxsandbox's; outbox retries
    without backoff (tests step the relay themselves)."""
    from wxmall.invoicing.testing import use_platform

    sb = oa_hub("plain")
    use_platform(settings, sb)
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 0
    return sb

import pytest


@pytest.fixture(autouse=True)
def analytics_dir(settings, tmp_path):
    """Each test its own event store."""
    settings.ANALYTICS_DIR = str(tmp_path / "analytics")
    return tmp_path / "analytics"

import pytest


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.MEMBER_IMPORT_DIR = tmp_path / "imports"


@pytest.fixture
def staff(db):
    from wxmall.accounts.testing import make_customer

    return make_customer("import-staff", is_staff=True, is_superuser=False)


@pytest.fixture
def eager_worker():
    """The Celery task runs in-process when sent (the job's own code path, without a broker)."""
    from wxmall.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False

import pytest


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.MEMBER_IMPORT_DIR = tmp_path / "imports"


@pytest.fixture
def staff(db):
    from wxmall.accounts.testing import make_customer

    return make_customer("import-staff", is_staff=True, is_superuser=False)

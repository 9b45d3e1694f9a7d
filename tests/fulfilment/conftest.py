from payments.conftest import pay_hub  # noqa: F401  (fixture, found by name)

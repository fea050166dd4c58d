from tests.tariff_flow.conftest import tariff  # noqa: F401  (the small schedule, for the payment races)

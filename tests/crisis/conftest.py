"""Crisis fixtures: the tariff flow's small schedule, for relief goods with duty to pay."""

from tests.tariff_flow.conftest import tariff  # noqa: F401

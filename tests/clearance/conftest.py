"""Clearance flow fixtures: the tariff flow's small schedule."""

from tests.tariff_flow.conftest import tariff  # noqa: F401

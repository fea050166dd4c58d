"""Tariff domain: national schedule, preferences, valuation, duty computation, payments, revenue, rulings.

The computation core (`compute`, `snapshot`, `valuation`, `rules`) is pure and never touches the
database; the services load a snapshot and hand it to the core.
"""

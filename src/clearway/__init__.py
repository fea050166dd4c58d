"""Clearway: open-source customs clearance and risk management."""

__version__ = "0.1.0"

"""Enforcement: reference prices, mirror gaps, trader networks, money-laundering indicators, FIU cases."""

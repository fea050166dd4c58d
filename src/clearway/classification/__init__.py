"""Goods classification: a goods description -> ranked HS 2022 codes, and the description/code mismatch signal."""

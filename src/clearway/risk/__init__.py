"""Clearway risk engine, machine-learning core.

One module per step: `mappings` and `data` load declaration files into a canonical frame,
`atoms`, `history` and `features` turn declarations into model inputs as of their lodgement
day, `train`, `evaluate`, `predict`, `explain` and `bundle` fit, measure, serve and store the
model, `replay` simulates a selection policy day by day, and `cli` exposes all of it.
"""

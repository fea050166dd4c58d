"""Clearway's risk engine, in four parts.

- `ml/`: the model, one module per step — `mappings` and `data` load declaration files into a
  canonical frame, `inputs` is the one builder of the model's rows from a declaration and its bill,
  `atoms`, `history` and `features` turn rows into features as of their lodgement day, `train`,
  `evaluate`, `predict`, `explain` and `bundle` fit, measure, serve and store the model,
  `registry`, `scoring`, `thresholds` and `retrain` run it in the product, `replay` simulates a
  selection policy day by day.
- `rules/`: the rule language (`lang`, `compile`), live rule sets (`ruleset`), the facts rules
  read (`facts`, `reference`, `valuation`), watchlists and their index, and rule test-runs.
- `engine/`: the live engine (`live`) that decides each lodgement's channel from a snapshot
  (`decision`), the capacity settings (`selection`), change notices, stored decisions, outcomes.
- `api/`: routers, pages, schemas and the `clearway risk` commands.

`models`, `service` (what other domains call) and `selectors` stay at the top.
"""

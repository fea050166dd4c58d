"""Risk rules and watchlists: the rule language, compiled rule sets, facts, reference values, test-runs."""

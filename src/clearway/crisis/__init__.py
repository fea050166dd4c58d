"""Crisis operations: the offline post node, its signed snapshot and journal, reconciliation, emergency profiles."""

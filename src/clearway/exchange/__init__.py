"""Partner administrations: signed envelopes, partner directory, agreements, exactly-once exchange."""

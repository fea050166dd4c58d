"""Operations: the public status page and API (component health, outage notices, traders' subscriptions),
the worker heartbeat, and the backup and restore drill."""

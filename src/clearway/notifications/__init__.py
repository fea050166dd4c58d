"""Notifications: outbox relay, signed webhook deliveries, and the pull feed."""

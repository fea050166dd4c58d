"""The risk engine's API, pages and commands."""

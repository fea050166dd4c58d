"""Signing in and out: the OAuth2 token endpoint and the browser sign-in pages, above auth, deps and web."""

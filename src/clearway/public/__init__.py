"""The public transparency portal (WTO TFA art. 1 and 7.6): no sign-in, nothing identifying a trader."""

"""Response headers for files a user downloads."""

from __future__ import annotations

from urllib.parse import quote


def attachment(filename: str) -> str:
    """A Content-Disposition value for any file name (RFC 6266): an ASCII fallback and the UTF-8 `filename*`."""
    # Header values must be Latin-1 for the server; quotes, backslashes and controls would break out of the
    # quoted string. The fallback keeps the extension so the browser still knows the type.
    fallback = "".join(c if 0x20 <= ord(c) < 0x7f and c not in '"\\' else "_" for c in filename) or "download"
    encoded = quote(filename, safe="")
    if fallback == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"

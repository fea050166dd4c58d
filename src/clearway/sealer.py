"""The background job that seals the audit trail into its hash chain, every few seconds."""

from __future__ import annotations

import logging
import threading

from clearway.audit.service import audit_seal
from clearway.db import get_sessionmaker, utcnow

log = logging.getLogger("clearway.sealer")


def seal_once() -> int:
    """Seal what is committed and unsealed now; returns how many records were chained."""
    with get_sessionmaker()() as db, db.begin():
        return audit_seal(db=db, now=utcnow())


class Sealer:
    """A daemon thread calling seal_once on an interval until stopped."""

    def __init__(self, interval_s: float):
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-sealer", daemon=True)

    def start(self) -> None:
        """Begin sealing in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current pass."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                while seal_once() >= 5000:
                    pass
            except Exception:  # a failed pass is retried next interval; the rows stay unsealed, not lost
                log.exception("audit sealing pass failed")

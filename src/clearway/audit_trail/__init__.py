"""The auditor's pages over the audit trail (kept apart from `clearway.audit`, which every domain writes through)."""

"""Controls: work queue, examiner assignment, documentary checks, inspections, findings, release and detention."""

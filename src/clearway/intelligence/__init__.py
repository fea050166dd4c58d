"""Intelligence sharing between agencies: alerts with handling markings, need-to-know, outcomes."""

"""Performance: release times (WCO TRS), control effectiveness, revenue, dashboards, open data, metrics."""

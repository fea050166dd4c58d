"""Prometheus /metrics: request metrics and database gauges, optionally behind a token."""

from __future__ import annotations

from tests.factories import lodge_direct


def test_metrics_show_requests_and_database_gauges(client):
    lodge_direct("trader-a", 2)
    client.get("/healthz")
    body = client.get("/metrics").text
    assert 'clearway_http_requests_total{method="GET",route="/healthz",status="200"}' in body
    assert "clearway_http_request_duration_seconds_bucket" in body
    assert 'clearway_lodgements_total{channel="green"} 2.0' in body
    assert "clearway_database_up 1.0" in body and "clearway_audit_unsealed_records" in body
    assert "clearway_performance_timeline_lag_events" in body


def test_metrics_can_require_a_token(client, monkeypatch):
    from clearway.performance.settings import performance_settings

    monkeypatch.setenv("CLEARWAY_PERFORMANCE_METRICS_TOKEN", "s3cret-token-for-scrapers")
    performance_settings.cache_clear()
    try:
        assert client.get("/metrics").status_code == 401
        ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token-for-scrapers"})
        assert ok.status_code == 200
    finally:
        monkeypatch.delenv("CLEARWAY_PERFORMANCE_METRICS_TOKEN")
        performance_settings.cache_clear()


def test_multiprocess_mode_reads_the_shared_directory(client, monkeypatch, tmp_path):
    from prometheus_client import generate_latest

    from clearway.performance.metrics import _registry

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    assert b"clearway_database_up" in generate_latest(_registry())

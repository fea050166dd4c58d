"""Outbound requests (webhooks now, agencies and partners later): only globally routable addresses, checked again
when the request is made, connected to the checked address, and failures reported only as coarse classes."""

from __future__ import annotations

import socket
import threading

import pytest

from clearway import outbound
from clearway.notifications.delivery import Deliverer
from tests.factories import auth, job_context, lodge_direct
from tests.notifications.conftest import ThreadReceiver, endpoint, fast_webhooks
from tests.server import free_port

pytestmark = pytest.mark.usefixtures("fast_webhooks")
__all__ = ["fast_webhooks"]

# Every spelling of an address the platform must never call, as a subscriber could write it.
LITERAL_CORPUS = [
    "https://127.0.0.1/", "https://2130706433/", "https://0x7f000001/", "https://127.1/", "https://0177.0.0.1/",
    "https://0/", "https://0.0.0.0/", "https://127.000.000.001/", "https://0x7f.1/", "https://017700000001/",
    "https://169.254.169.254/latest/meta-data/", "https://2852039166/", "https://0xa9fea9fe/",
    "https://0251.0376.0251.0376/", "https://169.254.43518/", "https://100.64.0.1/", "https://10.0.0.1/",
    "https://172.16.0.1/", "https://192.168.1.1/", "https://192.0.0.8/", "https://198.18.0.1/",
    "https://240.0.0.1/", "https://255.255.255.255/", "https://224.0.0.1/", "https://[::1]/", "https://[::]/",
    "https://[::ffff:127.0.0.1]/", "https://[::ffff:7f00:1]/", "https://[::ffff:169.254.169.254]/",
    "https://[64:ff9b::7f00:1]/", "https://[64:ff9b::a9fe:a9fe]/", "https://[2002:7f00:1::]/",
    "https://[2002:a9fe:a9fe::]/", "https://[fe80::1]/", "https://[fc00::1]/", "https://[fd00:ec2::254]/",
    "https://[::127.0.0.1]/", "https://[ff02::1]/", "https://4294967296/", "https://0x100000000/",
    "https://localhost/", "https://localhost./", "https://LOCALHOST/", "https://api.localhost/",
    "https://printer.local/", "https://metadata.google.internal/", "https://router.home.arpa/",
    "http://8.8.8.8/", "http://example.com/", "ftp://example.com/", "file:///etc/passwd", "gopher://127.0.0.1/",
    "https://user:pw@example.com/", "https://[::1/", "https://example.com:99999/",
    "https://127.0.0.1:22/", "https://[::ffff:10.0.0.1]:8443/",
    # Local-use NAT64 (RFC 8215) is a site's own translator, whatever IPv4 address it embeds; Teredo (2001::/32)
    # embeds its server and client; IPv4-translated and IPv4-compatible spellings; more legacy IPv4 forms.
    "https://[64:ff9b:1::808:808]/", "https://[64:ff9b:1::a00:1]/", "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
    "https://[2001::1]/", "https://[::ffff:0:7f00:1]/", "https://[0:0:0:0:0:ffff:127.0.0.1]/", "https://[::0.0.0.1]/",
    "https://[fec0::1]/", "https://[2002:0a00:0001::1]/", "https://127.0.0.1./", "https://0x7f.0x0.0x0.0x1/",
    "https://00000000177.1/", "https://2130706433./", "https://localhost.localdomain/", "https://%31%32%37.0.0.1/",
    "https://example.com@127.0.0.1/", "https://[fe80::1%25eth0]/",
]
# Names whose DNS answers point inside: refused whatever they resolve to, if any answer is not global.
DNS = {"inside.example": ["10.0.0.5"], "meta.example": ["169.254.169.254"], "cgnat.example": ["100.64.1.1"],
       "mixed.example": ["93.184.215.14", "127.0.0.1"], "mapped.example": ["::ffff:192.168.0.1"],
       "v6local.example": ["fe80::1%eth0"], "public.example": ["93.184.215.14", "2606:2800:21f:cb07::1"]}
DNS_CORPUS = [f"https://{name}/hook" for name in DNS if name != "public.example"]


def pump(deliverer: Deliverer | None = None, rounds: int = 1) -> None:
    """Relay what was committed and attempt what is due, with the given sender."""
    import time

    from clearway.notifications.jobs import deliver, relay

    ctx = job_context(**({"deliverer": deliverer} if deliverer else {}))
    for _ in range(rounds):
        relay(ctx)
        deliver(ctx)
        time.sleep(0.25)  # past the retry back-off of the fast settings


def _subscriber_url(url: str) -> None:
    """Store an endpoint URL as if it had passed its check when saved (DNS answered differently then)."""
    from sqlalchemy import update

    from clearway.db import get_sessionmaker
    from clearway.notifications.models import Subscriber

    with get_sessionmaker()() as db, db.begin():
        db.execute(update(Subscriber).values(url=url))


def fake_resolve(host: str, port: int) -> list[str]:
    """A resolver with the answers above; any other name does not resolve."""
    if host not in DNS:
        raise outbound.OutboundRefused("unresolvable")
    return DNS[host]


@pytest.mark.parametrize("url", LITERAL_CORPUS + DNS_CORPUS)
def test_every_internal_or_odd_url_is_refused_under_the_production_policy(url):
    with pytest.raises(outbound.OutboundRefused):
        outbound.target_check(url, allow_http=False, allow_loopback=False, resolve=fake_resolve)


def test_public_names_and_addresses_pass_and_the_checked_address_is_the_target():
    target = outbound.target_check("https://public.example:8443/hook?x=1", allow_http=False, allow_loopback=False,
                                   resolve=fake_resolve)
    assert (target.host, target.address, target.port, target.path) == (
        "public.example", "93.184.215.14", 8443, "/hook?x=1")
    assert outbound.target_check("https://93.184.215.14/", allow_http=False, allow_loopback=False).address \
        == "93.184.215.14"
    assert outbound.target_check("https://[2606:4700::1111]/", allow_http=False, allow_loopback=False).address \
        == "2606:4700::1111"


def test_the_api_refuses_every_literal_form_when_loopback_is_not_allowed(client, monkeypatch):
    from clearway.config import get_settings

    monkeypatch.setenv("CLEARWAY_OUTBOUND_ALLOW_LOOPBACK", "false")  # the production outbound policy
    get_settings.cache_clear()
    headers = auth(client, "trader-a")
    accepted = []
    for url in LITERAL_CORPUS:
        r = client.put("/api/v1/notifications/endpoint", json={"url": url}, headers=headers)
        assert r.status_code < 500, (url, r.text)
        if r.status_code != 422:
            accepted.append((url, r.status_code))
    assert accepted == []


def test_delivery_checks_again_and_never_calls_a_name_that_now_points_inside(client, tmp_path):
    port = free_port()
    answers = {"hooks.test": ["127.0.0.1"]}
    secret = endpoint(client, f"http://127.0.0.1:{port}/hook")  # saved as allowed (loopback, test policy)
    receiver = ThreadReceiver(tmp_path, port, secret)
    try:
        # The subscriber's name resolves to the receiver at first: the delivery connects to that address,
        # which the system resolver could never have found for "hooks.test".
        _subscriber_url(f"http://hooks.test:{port}/hook")
        deliverer = Deliverer(resolve=lambda host, _port: answers[host])
        lodge_direct("trader-a", 1)
        pump(deliverer)
        assert len(receiver.received()) == 3
        # Rebinding: the same name now points at the metadata service. Nothing is sent there.
        answers["hooks.test"] = ["169.254.169.254"]
        lodge_direct("trader-a", 1)
        pump(deliverer, rounds=3)
        assert len(receiver.received()) == 3
        log = client.get("/api/v1/notifications/deliveries", headers=auth(client, "trader-a")).json()
        assert {d["last_error"] for d in log if d["last_error"]} == {"address_refused"}
        deliverer.close()
    finally:
        receiver.close()


def _silent_listener() -> tuple[socket.socket, int]:
    """A port that accepts connections and closes them without a word (open, but not HTTP)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)

    def run() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=run, daemon=True).start()
    return sock, sock.getsockname()[1]


def test_an_open_port_and_a_closed_port_fail_alike(client):
    listener, open_port = _silent_listener()
    closed_port = free_port()
    try:
        errors = {}
        for name, port in (("open", open_port), ("closed", closed_port)):
            endpoint(client, f"http://127.0.0.1:{port}/hook", username="trader-a")
            lodge_direct("trader-a", 1)
            pump(rounds=2)
            log = client.get("/api/v1/notifications/deliveries", headers=auth(client, "trader-a")).json()
            errors[name] = {d["last_error"] for d in log if d["last_error"]}
            for d in log:
                assert all(a["error"] in (None, "unreachable") for a in d["log"]), d["log"]
        assert errors["open"] == errors["closed"] == {"unreachable"}
    finally:
        listener.close()


def test_https_connects_to_the_checked_address_and_verifies_the_certificate_of_the_name(tmp_path, monkeypatch):
    """TLS to a pinned address: SNI and the certificate check use the name, the socket goes to the address."""
    import http.server
    import shutil
    import ssl
    import subprocess

    from clearway.notifications.delivery import Job, Pools

    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=hooks.test", "-addext", "subjectAltName=DNS:hooks.test"],
                   check=True, capture_output=True)
    seen: list[tuple[str, str | None]] = []
    sni: list[str | None] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            seen.append((self.headers["host"], sni[-1] if sni else None))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: sni.append(name)  # type: ignore[assignment,misc,return-value]
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        import urllib3

        from clearway.notifications.delivery import send

        pools = Pools(concurrency=2, timeout=urllib3.Timeout(5), resolve=lambda host, _p: ["127.0.0.1"],
                      ca_certs=str(cert))
        secrets = ["whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
        job = Job(1, 1, "KR1000000001", f"https://hooks.test:{port}/hook", secrets, "msg_1", b"{}")
        # 127.0.0.1 stands in for a public host here.
        monkeypatch.setattr(outbound, "address_allowed", lambda address, allow_loopback=False: True)
        result = send(pools, job)
        wrong = send(pools, Job(2, 1, "KR1000000001", f"https://127.0.0.1:{port}/hook", secrets, "msg_2", b"{}"))
        assert (result.status, result.error) == (204, None)
        assert seen[0] == (f"hooks.test:{port}", "hooks.test")
        assert wrong.error == "tls_failed"  # the certificate names hooks.test, not the address
        pools.clear()
    finally:
        server.shutdown()
        server.server_close()


class _Partner:
    """A partner's exchange API on 127.0.0.1 that records what reaches it; `answer` is (status, headers, body)."""

    def __init__(self) -> None:
        import http.server
        import json

        self.seen: list[tuple[str, str]] = []
        self.answer: tuple[int, dict[str, str], bytes] = (200, {}, json.dumps({"receipts": [{"ok": 1}]}).encode())
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["content-length"] or 0))
                outer.seen.append((self.headers["host"], self.path))
                status, headers, body = outer.answer
                self.send_response(status)
                for name, value in {**headers, "content-length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_partner_exchange_checks_each_request_connects_to_the_checked_address_and_follows_no_redirect(world):
    from clearway.exchange.transport import HttpTransport, TransportError

    partner, other = _Partner(), _Partner()
    answers = {"partner.test": ["127.0.0.1"]}
    transport = HttpTransport(5, resolve=lambda host, _port: answers[host])
    endpoint = f"http://partner.test:{partner.port}"
    try:
        # "partner.test" exists only in this resolver: the request reached the address that was checked.
        assert transport.push(endpoint, [{"envelope": 1}]) == [{"ok": 1}]
        assert partner.seen == [(f"partner.test:{partner.port}", "/api/v1/exchange/inbox")]
        # A redirect is an answer, not an instruction: the other server hears nothing.
        partner.answer = (302, {"location": f"http://127.0.0.1:{other.port}/api/v1/exchange/inbox"}, b"")
        with pytest.raises(TransportError, match=r"^http_302$"):
            transport.push(endpoint, [{"envelope": 1}])
        # Rebinding to the metadata service, or a literal inside address: refused before any connection.
        answers["partner.test"] = ["169.254.169.254"]
        with pytest.raises(TransportError, match=r"^address_refused$"):
            transport.push(endpoint, [{"envelope": 1}])
        with pytest.raises(TransportError, match=r"^address_refused$"):
            transport.pull("https://[::ffff:169.254.169.254]", {})
        assert len(partner.seen) == 2 and other.seen == []
    finally:
        transport.close()
        partner.close()
        other.close()


def test_partner_exchange_failures_are_coarse_classes(world):
    from clearway.exchange.transport import HttpTransport, TransportError

    listener, open_port = _silent_listener()
    transport = HttpTransport(5)
    try:
        errors = set()
        for port in (open_port, free_port()):
            with pytest.raises(TransportError) as failed:
                transport.push(f"http://127.0.0.1:{port}", [{"envelope": 1}])
            errors.add(str(failed.value))
        assert errors == {"unreachable"}  # an open port and a closed one look alike
    finally:
        transport.close()
        listener.close()


def test_partner_exchange_over_https_verifies_the_certificate_of_the_name_not_the_address(world, tmp_path,
                                                                                          monkeypatch):
    import http.server
    import json
    import shutil
    import ssl
    import subprocess

    from clearway.exchange.transport import HttpTransport, TransportError

    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=partner.test", "-addext",
                    "subjectAltName=DNS:partner.test"], check=True, capture_output=True)
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            seen.append(self.headers["host"])
            body = json.dumps({"envelopes": []}).encode()
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    monkeypatch.setattr(outbound, "address_allowed", lambda address, allow_loopback=False: True)  # a public host
    transport = HttpTransport(5, resolve=lambda host, _p: ["127.0.0.1"], ca_certs=str(cert))
    try:
        assert transport.pull(f"https://partner.test:{port}", {}) == []
        assert seen == [f"partner.test:{port}"]
        with pytest.raises(TransportError, match=r"^tls_failed$"):  # the certificate names partner.test
            transport.pull(f"https://127.0.0.1:{port}", {})
    finally:
        transport.close()
        server.shutdown()
        server.server_close()

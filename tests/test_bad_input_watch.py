"""`workbook watch` against DNS rebinding: only loopback Host headers are served (raw HTTP requests)."""
from __future__ import annotations

import socket

import pytest

from helpers import Books
from workbook.author.watch import LivePreview, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("watch")
    book = Books(tmp_path)("mini")
    (book / "notes.txt").write_text("the book's private notes")
    preview = LivePreview(book, tmp_path / "dist")
    served = start_server(preview, 0)
    yield served
    served.shutdown()
    served.server_close()


def raw_get(port: int, path: str, host_lines: list[str]) -> tuple[int, bytes]:
    request = f"GET {path} HTTP/1.1\r\n" + "".join(f"Host: {h}\r\n" for h in host_lines) + "Connection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request.encode("latin-1"))
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize("hosts", [["evil.example"], ["evil.example:{port}"], ["127.0.0.1.evil.example:{port}"],
                                   ["localhost:1"], [], ["127.0.0.1:{port}", "evil.example"], ["192.168.1.5:{port}"]])
def test_other_hosts_are_refused(server, hosts):
    port = server.server_address[1]
    for path in ("/", "/notes.txt", "/__build"):
        status, body = raw_get(port, path, [h.format(port=port) for h in hosts])
        assert status == 421, (hosts, path)
        assert b"private notes" not in body and b"<html" not in body.lower()


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "LOCALHOST:{port}", "localhost"])
def test_loopback_hosts_are_served(server, host):
    port = server.server_address[1]
    status, body = raw_get(port, "/notes.txt", [host.format(port=port)])
    assert status == 200 and body == b"the book's private notes"

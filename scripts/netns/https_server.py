#!/usr/bin/env python3
"""Tiny HTTPS (or, with --plain, HTTP) server for the telltale test topology.

Runs inside the router namespace and plays "the internet": it answers GET with a
small HTML page (GET /generate_204 answers 204 like Google's connectivity check)
and accepts POST/PUT uploads, discarding the body.

Every request is logged as one JSON line to --log, so that tests can compare
telltale's accounting with what the server really received:

  {"time": "...Z", "epoch": 1.0, "scheme": "https", "sni": "data.mistat.xiaomi.com",
   "host": "data.mistat.xiaomi.com", "method": "POST", "path": "/upload",
   "client": "192.168.50.123:40000", "server": "203.0.113.31:443", "status": 200,
   "request_header_bytes": 210, "request_body_bytes": 4194304, "response_bytes": 250}

Byte counts are HTTP-level (before TLS): request_header_bytes is the request
line plus headers plus the blank line, request_body_bytes the body bytes read,
response_bytes everything written back (including any "100 Continue").
Connections whose TLS handshake fails are logged with "event": "tls_error".
"""

import argparse
import datetime
import http.server
import json
import socket
import ssl
import sys
import threading
import time

LOG_LOCK = threading.Lock()
LOG_FILE = None


def endpoint(addr):
    """Format a socket address as "1.2.3.4:80" or "[2001:db8::1]:443".

    The server socket is dual-stack, so IPv4 peers arrive as ::ffff:1.2.3.4;
    they are logged as plain IPv4.
    """
    host, port = addr[0], addr[1]
    if host.startswith("::ffff:") and "." in host:
        host = host[len("::ffff:"):]
    if ":" in host:
        return "[%s]:%d" % (host, port)
    return "%s:%d" % (host, port)


def log_json(record):
    now = time.time()
    record = {
        "time": datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
        .isoformat(timespec="microseconds")
        .replace("+00:00", "Z"),
        "epoch": round(now, 6),
        **record,
    }
    line = json.dumps(record, sort_keys=False)
    with LOG_LOCK:
        LOG_FILE.write(line + "\n")
        LOG_FILE.flush()


class CountingReader:
    """Wraps the request's rfile and counts bytes read through it."""

    def __init__(self, inner):
        self.inner = inner
        self.count = 0

    def readline(self, *args):
        data = self.inner.readline(*args)
        self.count += len(data)
        return data

    def read(self, *args):
        data = self.inner.read(*args)
        self.count += len(data)
        return data

    def __getattr__(self, name):
        return getattr(self.inner, name)


class CountingWriter:
    """Wraps the request's wfile and counts bytes written through it."""

    def __init__(self, inner):
        self.inner = inner
        self.count = 0

    def write(self, data):
        self.count += len(data)
        return self.inner.write(data)

    def __getattr__(self, name):
        return getattr(self.inner, name)


PAGE = (
    "<!doctype html><html><head><title>{host}</title></head>"
    "<body><h1>{host}</h1><p>telltale test server: {method} {path}</p></body></html>\n"
)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def setup(self):
        super().setup()
        self.rfile = CountingReader(self.rfile)
        self.wfile = CountingWriter(self.wfile)

    def handle_one_request(self):
        self.rfile.count = 0
        self.wfile.count = 0
        self.body_bytes = 0
        self.status = None
        super().handle_one_request()

    def log_message(self, fmt, *args):  # keep stderr quiet; we log JSON instead
        pass

    def send_response(self, code, message=None):
        if code != 100:
            self.status = code
        super().send_response(code, message)

    def _read_body(self):
        length = self.headers.get("Content-Length")
        if length is not None:
            remaining = int(length)
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 65536))
                if not chunk:
                    break
                self.body_bytes += len(chunk)
                remaining -= len(chunk)
        elif "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                self.body_bytes += len(self.rfile.read(size))
                self.rfile.readline()

    def _respond(self, code, body):
        self.send_response(code)
        if body:
            self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _log(self):
        header_bytes = self.rfile.count - self.body_bytes
        sock = self.connection
        try:
            server = endpoint(sock.getsockname())
        except OSError:
            server = None
        log_json(
            {
                "scheme": self.server.scheme,
                "sni": getattr(sock, "telltale_sni", None),
                "host": self.headers.get("Host"),
                "method": self.command,
                "path": self.path,
                "client": endpoint(self.client_address),
                "server": server,
                "status": self.status,
                "request_header_bytes": header_bytes,
                "request_body_bytes": self.body_bytes,
                "response_bytes": self.wfile.count,
            }
        )

    def do_GET(self):
        if self.path.startswith("/generate_204"):
            self._respond(204, b"")
        else:
            host = (self.headers.get("Host") or "").split(":")[0]
            page = PAGE.format(host=host, method=self.command, path=self.path)
            self._respond(200, page.encode())
        self._log()

    do_HEAD = do_GET

    def do_POST(self):
        self._read_body()
        body = ('{"ok":true,"received":%d}\n' % self.body_bytes).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self._log()

    do_PUT = do_POST


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    address_family = socket.AF_INET6

    def __init__(self, addr, tls_context):
        self.tls_context = tls_context
        self.scheme = "https" if tls_context else "http"
        super().__init__(addr, Handler)

    def server_bind(self):
        # One dual-stack socket answers on every IPv4 and IPv6 address.
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def finish_request(self, request, client_address):
        # Runs in the per-connection thread, so a slow handshake blocks no one.
        if self.tls_context is not None:
            try:
                request = self.tls_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as err:
                log_json(
                    {
                        "event": "tls_error",
                        "client": endpoint(client_address),
                        "error": str(err),
                    }
                )
                return
        self.RequestHandlerClass(request, client_address, self)


def make_tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])

    def remember_sni(sslsock, server_name, _ctx):
        sslsock.telltale_sni = server_name

    ctx.sni_callback = remember_sni
    return ctx


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plain", action="store_true", help="plain HTTP, no TLS")
    ap.add_argument("--port", type=int, help="default 443, or 80 with --plain")
    ap.add_argument("--cert", help="PEM certificate chain (TLS)")
    ap.add_argument("--key", help="PEM private key (TLS)")
    ap.add_argument("--log", required=True, help="JSON-lines request log (appended)")
    args = ap.parse_args()

    global LOG_FILE
    LOG_FILE = open(args.log, "a", encoding="utf-8")
    if args.plain:
        ctx, port = None, args.port or 80
    else:
        if not (args.cert and args.key):
            ap.error("--cert and --key are required without --plain")
        ctx, port = make_tls_context(args.cert, args.key), args.port or 443
    server = Server(("::", port), ctx)
    print("listening on [::]:%d (%s)" % (port, server.scheme), file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

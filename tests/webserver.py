"""A real HTTP server on 127.0.0.1 for the fetcher's tests (no test reaches the internet).

`WebServer.routes` maps a path to what the server answers: a `Page`, or a callable taking the
request handler (for pages that redirect to the server's own address, trickle or never end).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
import ssl
import threading
import time


@dataclass
class Page:
    body: bytes | str
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


ARTICLE_HTML = """<!doctype html>
<html lang="en-gb">
<head>
<meta charset="utf-8">
<title>Flood defences failed, report says</title>
<meta property="og:site_name" content="Tagesblatt">
<meta name="date" content="2026-11-02">
</head>
<body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article>
<h1>Flood defences failed, report says</h1>
<p>The city's flood defences failed in three places during the storm, an engineers' report found.</p>
<p>The mayor denied that maintenance had been cut. The council said repairs would start in spring.</p>
<p>Residents of the riverside district were evacuated on Tuesday night, the fire service said.</p>
</article>
<footer>Copyright Tagesblatt</footer>
</body>
</html>
"""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection; the body ends when it closes

    def do_GET(self):
        path = self.path.split("?")[0]
        self.server.requests.append((path, self.headers.get("Host", "")))
        route = self.server.routes.get(path)
        if route is None:
            route = Page("<h1>Not here</h1>", status=404)
        try:
            if callable(route):
                route(self)
            else:
                self.send_page(route)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the fetcher stopped reading, as it should

    def send_page(self, page: Page) -> None:
        body = page.body.encode("utf-8") if isinstance(page.body, str) else page.body
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in page.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


class WebServer:
    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.routes = self.routes = default_routes(self)
        self.httpd.requests = self.requests = []
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    scheme = "http"

    def use_tls(self, certificate: Path, key: Path) -> "WebServer":
        """Serve HTTPS with this certificate (before start())."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "https"
        return self

    def start(self) -> "WebServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def redirect_to(location: str | Callable[[], str], status: int = 302) -> Callable:
    def answer(handler):
        handler.send_response(status)
        handler.send_header("Location", location() if callable(location) else location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def slow(seconds: float) -> Callable:
    """Answers only after `seconds`."""

    def answer(handler):
        time.sleep(seconds)
        handler.send_page(Page(ARTICLE_HTML))

    return answer


def trickle(handler) -> None:
    """Headers at once, then one byte every 0.1 s for ten seconds: each read is quick, the page never is."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.end_headers()
    for _ in range(100):
        handler.wfile.write(b"x")
        handler.wfile.flush()
        time.sleep(0.1)


def endless(handler) -> None:
    """A page with no length that never ends (until the reader hangs up)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    line = b"<p>" + b"more text " * 100 + b"</p>\n"
    for _ in range(100_000):
        handler.wfile.write(line)


def declared_huge(handler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "50000000")
    handler.end_headers()
    handler.wfile.write(b"<p>the first bytes of fifty megabytes</p>")


def echo_host(handler) -> None:
    handler.send_page(Page(handler.headers.get("Host", ""), content_type="text/plain; charset=utf-8"))


def default_routes(server: WebServer) -> dict:
    routes: dict = {
        "/article.html": Page(ARTICLE_HTML),
        "/plain.txt": Page("First paragraph of a plain text.\nSecond paragraph.\n", "text/plain; charset=utf-8"),
        "/latin1.txt": Page("Café au lait in Zürich.\n".encode("latin-1"), "text/plain; charset=iso-8859-1"),
        "/image.png": Page(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png"),
        "/no-type": Page(b"hello", ""),
        "/gone": Page("<h1>Gone</h1>", status=410),
        "/slow": slow(3),
        "/trickle": trickle,
        "/endless": endless,
        "/declared-huge": declared_huge,
        "/echo-host": echo_host,
        "/to-loopback": redirect_to(lambda: server.url("/article.html")),
        "/to-localhost": redirect_to(lambda: server.url("/article.html", host="localhost")),
        "/to-ftp": redirect_to("ftp://example.org/file.txt"),
        "/relative": redirect_to("/article.html", status=301),
    }
    for hops in range(1, 8):  # /hops/N redirects N times, then shows the article
        routes[f"/hops/{hops}"] = redirect_to(f"/hops/{hops - 1}" if hops > 1 else "/article.html")
    return routes

"""The safe fetcher against a real HTTP server on 127.0.0.1 (tests/webserver.py)."""

import gzip
import hashlib
import ipaddress
from pathlib import Path
import shutil
import socket
import subprocess
import time

import pytest

from annotations.fetching import FetchError, address_refusal, fetch

from .webserver import ARTICLE_HTML, Page, WebServer


def refusal(url: str) -> tuple[str, str]:
    with pytest.raises(FetchError) as caught:
        fetch(url)
    return caught.value.code, str(caught.value)


def test_a_page_is_fetched_with_its_type_status_and_hash(web):
    page = fetch(web.url("/article.html"))
    assert (page.url, page.status, page.content_type, page.charset) == (
        web.url("/article.html"),
        200,
        "text/html",
        "utf-8",
    )
    assert page.content == ARTICLE_HTML.encode("utf-8")
    assert page.sha256 == hashlib.sha256(ARTICLE_HTML.encode("utf-8")).hexdigest()


def test_plain_text_is_accepted_with_its_charset(web):
    page = fetch(web.url("/latin1.txt"))
    assert (page.content_type, page.charset, page.content) == (
        "text/plain",
        "iso-8859-1",
        "Café au lait in Zürich.\n".encode("latin-1"),
    )


def test_the_host_header_names_the_host_while_the_connection_goes_to_the_checked_address(web):
    assert fetch(web.url("/echo-host", host="localhost")).content == f"localhost:{web.port}".encode()


def test_redirects_are_followed_up_to_five(web):
    page = fetch(web.url("/hops/5"))
    assert (page.url, page.content) == (web.url("/article.html"), ARTICLE_HTML.encode())
    assert [path for path, _host in web.requests] == [
        "/hops/5",
        "/hops/4",
        "/hops/3",
        "/hops/2",
        "/hops/1",
        "/article.html",
    ]


def test_a_relative_redirect_is_resolved_against_the_page(web):
    assert fetch(web.url("/relative")).url == web.url("/article.html")


def test_more_than_five_redirects_are_refused(web):
    assert refusal(web.url("/hops/6")) == ("redirects", "The page redirects more than 5 times.")
    assert len(web.requests) == 6  # the sixth redirect is not followed


def test_a_redirect_to_another_scheme_is_refused(web):
    assert refusal(web.url("/to-ftp")) == ("scheme", "Only http:// and https:// pages can be fetched.")


def test_an_error_status_is_refused_with_the_status(web):
    with pytest.raises(FetchError) as caught:
        fetch(web.url("/missing"))
    assert (caught.value.code, caught.value.status, str(caught.value)) == (
        "http_status",
        404,
        "The page answered HTTP 404 (Not Found).",
    )
    assert refusal(web.url("/gone")) == ("http_status", "The page answered HTTP 410 (Gone).")


def test_other_content_types_are_refused(web):
    assert refusal(web.url("/image.png")) == ("content_type", "The page is image/png, not HTML or plain text.")
    assert refusal(web.url("/no-type")) == ("content_type", "The page is of no stated type, not HTML or plain text.")


def test_a_page_answering_after_the_read_timeout_is_refused(web, settings):
    settings.FACTCHECK_FETCH_READ_TIMEOUT = 0.3
    started = time.monotonic()
    assert refusal(web.url("/slow")) == ("timeout", "“127.0.0.1” did not answer within 0.3 seconds.")
    assert time.monotonic() - started < 2


def test_a_page_that_trickles_in_is_stopped_at_the_deadline(web, settings):
    settings.FACTCHECK_FETCH_DEADLINE = 0.5
    started = time.monotonic()
    assert refusal(web.url("/trickle")) == ("timeout", "The page took longer than 0.5 seconds to fetch.")
    assert time.monotonic() - started < 1.5


def test_a_page_larger_than_the_limit_is_stopped_while_streaming(web, settings):
    settings.FACTCHECK_MAX_ARTICLE_BYTES = 100_000
    started = time.monotonic()
    assert refusal(web.url("/endless")) == ("too_large", "The page is larger than the limit of 100,000 bytes.")
    assert time.monotonic() - started < 2


def test_a_declared_length_over_the_limit_is_refused_before_reading(web):
    assert refusal(web.url("/declared-huge")) == (
        "too_large",
        "The page is larger than the limit of 1,000,000 bytes.",
    )


def test_the_limit_itself_is_accepted(web, settings):
    web.routes["/exact"] = Page(b"x" * 1000, "text/plain")
    settings.FACTCHECK_MAX_ARTICLE_BYTES = 1000
    assert len(fetch(web.url("/exact")).content) == 1000


def test_loopback_is_refused_without_the_setting(web, settings):
    settings.FACTCHECK_FETCH_ALLOW_PRIVATE = False
    assert refusal(web.url("/article.html")) == (
        "private_address",
        "127.0.0.1 is a loopback address; only public web addresses can be fetched.",
    )
    assert web.requests == []


def test_a_redirect_to_loopback_is_refused_without_the_setting(web, settings):
    """The first page is allowed (the setting is on for it), the redirect is checked again: off."""
    checks = []

    def answer(handler):
        settings.FACTCHECK_FETCH_ALLOW_PRIVATE = False  # from here on the fetcher must refuse
        checks.append("redirected")
        handler.send_response(302)
        handler.send_header("Location", web.url("/article.html"))
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    web.routes["/public-looking"] = answer
    assert refusal(web.url("/public-looking")) == (
        "private_address",
        "127.0.0.1 is a loopback address; only public web addresses can be fetched.",
    )
    assert [path for path, _ in web.requests] == ["/public-looking"]


def test_a_name_resolving_to_a_private_address_is_refused_without_the_setting(web, settings):
    settings.FACTCHECK_FETCH_ALLOW_PRIVATE = False
    code, message = refusal(web.url("/article.html", host="localhost"))
    assert code == "private_address"
    assert message in {
        "“localhost” is 127.0.0.1, a loopback address; only public web addresses can be fetched.",
        "“localhost” is ::1, a loopback address; only public web addresses can be fetched.",
    }
    assert web.requests == []


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://10.0.0.7/", "10.0.0.7 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is a loopback address"),
        ("http://0.0.0.0:8000/", "0.0.0.0 is an unspecified address"),
    ],
)
def test_address_literals_that_are_not_public_are_refused(settings, url, message):
    settings.FACTCHECK_FETCH_ALLOW_PRIVATE = False
    assert refusal(url) == ("private_address", f"{message}; only public web addresses can be fetched.")


@pytest.mark.parametrize(
    "address, kind",
    [
        ("127.0.0.1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.1.1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("224.0.0.1", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("0.0.0.0", "an unspecified address"),
        ("100.64.0.1", "not a public address"),
        ("::1", "a loopback address"),
        ("fe80::1", "a link-local address"),
        ("fc00::1", "a private address"),
        ("ff02::1", "a multicast address"),
        ("::", "an unspecified address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("::ffff:10.0.0.1", "a private address"),
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
        ("::ffff:93.184.216.34", None),
    ],
)
def test_which_addresses_are_public(address, kind):
    assert address_refusal(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize(
    "url, code, message",
    [
        ("ftp://example.org/", "scheme", "Only http:// and https:// pages can be fetched."),
        ("file:///etc/passwd", "scheme", "Only http:// and https:// pages can be fetched."),
        ("http://user:secret@example.org/", "credentials", "The address must not contain a user name or password."),
        ("http://example.org:99999/", "invalid_url", "Enter a valid web address."),
        ("http:///nohost", "invalid_url", "Enter a valid web address."),
    ],
)
def test_addresses_that_cannot_be_fetched(url, code, message):
    assert refusal(url) == (code, message)


def test_a_closed_port_is_a_connection_error(web, settings):
    port = web.port
    web.stop()
    assert refusal(f"http://127.0.0.1:{port}/") == ("connection", "Could not connect to “127.0.0.1”.")


def test_a_server_that_never_accepts_is_given_up_at_the_connect_timeout(settings):
    """A listening socket whose one-place accept queue is taken: the kernel drops the fetcher's SYN, so
    only FACTCHECK_FETCH_CONNECT_TIMEOUT (not the read time-out or the deadline) ends the wait."""
    settings.FACTCHECK_FETCH_ALLOW_PRIVATE = True
    settings.FACTCHECK_FETCH_CONNECT_TIMEOUT = 0.3
    with socket.create_server(("127.0.0.1", 0), backlog=0) as server, socket.socket() as queued:
        port = server.getsockname()[1]
        queued.connect(("127.0.0.1", port))  # fills the accept queue; nothing ever accepts
        started = time.monotonic()
        assert refusal(f"http://127.0.0.1:{port}/") == ("connection", "Could not connect to “127.0.0.1”.")
        waited = time.monotonic() - started
    assert 0.3 <= waited < 2, waited


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    certificate, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={name}",
         "-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return certificate, key


@pytest.fixture
def https_server(settings, tmp_path, monkeypatch):
    """HTTPS on 127.0.0.1 with a certificate for the name `localhost`, trusted as a CA (SSL_CERT_FILE)."""
    settings.FACTCHECK_FETCH_ALLOW_PRIVATE = True
    certificate, key = self_signed(tmp_path, "localhost")
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
    server = WebServer().use_tls(certificate, key).start()
    yield server
    server.stop()


def test_https_connects_to_the_checked_address_and_verifies_the_host_name(https_server):
    """The connection goes to the resolved address, yet TLS is checked for the name: it succeeds."""
    page = fetch(https_server.url("/echo-host", host="localhost"))
    assert (page.url, page.content) == (
        https_server.url("/echo-host", host="localhost"),
        f"localhost:{https_server.port}".encode(),
    )


def test_https_refuses_a_certificate_for_another_name(https_server):
    assert refusal(https_server.url("/article.html", host="127.0.0.1")) == (
        "tls",
        "The secure connection to “127.0.0.1” failed (its certificate could not be verified).",
    )


def test_https_refuses_an_untrusted_certificate(https_server, monkeypatch, tmp_path):
    other, _key = self_signed(tmp_path, "other")
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    assert refusal(https_server.url("/article.html", host="localhost")) == (
        "tls",
        "The secure connection to “localhost” failed (its certificate could not be verified).",
    )


def chunked(pieces, *, forever: bool = False):
    """An HTTP/1.1 answer in chunked transfer encoding (no Content-Length)."""

    def answer(handler):
        handler.protocol_version = "HTTP/1.1"
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("Connection", "close")
        handler.end_headers()
        for number in range(100_000 if forever else 1):
            for piece in pieces:
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            if not forever and number == 0:
                break
        handler.wfile.write(b"0\r\n\r\n")
        handler.close_connection = True

    return answer


def test_a_chunked_page_is_read_whole(web):
    data = ARTICLE_HTML.encode()
    web.routes["/chunked.html"] = chunked([data[:100], data[100:400], data[400:]])
    assert fetch(web.url("/chunked.html")).content == data


def test_a_chunked_page_past_the_limit_is_stopped(web, settings):
    settings.FACTCHECK_MAX_ARTICLE_BYTES = 50_000
    web.routes["/chunked-endless.html"] = chunked([b"<p>" + b"x" * 4000 + b"</p>"], forever=True)
    started = time.monotonic()
    assert refusal(web.url("/chunked-endless.html")) == (
        "too_large",
        "The page is larger than the limit of 50,000 bytes.",
    )
    assert time.monotonic() - started < 2


def test_a_compressed_page_is_measured_decompressed(web, settings):
    """A small gzip body that inflates to 50 MB (a decompression bomb) is stopped at the limit."""
    settings.FACTCHECK_MAX_ARTICLE_BYTES = 100_000
    web.routes["/small.html"] = Page(gzip.compress(ARTICLE_HTML.encode()), headers={"Content-Encoding": "gzip"})
    assert fetch(web.url("/small.html")).content == ARTICLE_HTML.encode()
    bomb = gzip.compress(b"<p>" + b"0" * 50_000_000)
    assert len(bomb) < 100_000
    web.routes["/bomb.html"] = Page(bomb, headers={"Content-Encoding": "gzip"})
    started = time.monotonic()
    assert refusal(web.url("/bomb.html")) == ("too_large", "The page is larger than the limit of 100,000 bytes.")
    assert time.monotonic() - started < 2

"""The one way factcheck fetches a web page (article imports from a URL, source archiving). No ORM.

Rules, each refusal a FetchError whose message a reviewer understands:
- http:// and https:// only, no user name or password in the address;
- every address the host name resolves to must be public (not loopback, private, link-local,
  multicast, reserved or unspecified; IPv4 and IPv6, IPv4-mapped IPv6 included), unless
  FACTCHECK_FETCH_ALLOW_PRIVATE; checked again for every redirect, at most MAX_REDIRECTS;
- the connection goes to the address that was checked (the Host header and TLS SNI/certificate
  name are the host name), so a second DNS answer cannot point it elsewhere (DNS rebinding);
- FACTCHECK_FETCH_CONNECT_TIMEOUT and FACTCHECK_FETCH_READ_TIMEOUT (seconds) for each connection
  and each read, FACTCHECK_FETCH_DEADLINE for the whole fetch, redirects included (DNS look-ups
  use the system resolver's own time-out);
- at most FACTCHECK_MAX_ARTICLE_BYTES of content (after decompression), streamed: reading
  stops as soon as the limit is passed;
- a 2xx answer that is HTML (text/html, application/xhtml+xml) or plain text (text/plain).

urllib3 does the HTTP: one connection pool per request, no retries, no proxies from the
environment, redirects followed here so each one is checked.
"""

from dataclasses import dataclass
import hashlib
import ipaddress
import socket
import time
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

MAX_REDIRECTS = 5
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
ACCEPTED_TYPES = {"text/html", "application/xhtml+xml", "text/plain"}
DEFAULT_PORTS = {"http": 80, "https": 443}
USER_AGENT = "factcheck/1.0 (fact-checking desk; archives cited pages)"
# One read asks for at most this much; a page is read in pieces so the size limit and the deadline
# are checked between them.
CHUNK = 64 * 1024

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """A page that could not be fetched. `str(error)` is the message for the reviewer; `code` names
    the refusal; `status` is the HTTP status when the server answered."""

    def __init__(self, message: str, *, code: str, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True, slots=True)
class FetchedPage:
    url: str  # the final URL, after redirects
    status: int
    content_type: str  # the media type, lower-case, without parameters
    charset: str  # from the Content-Type header, or ""
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def address_refusal(address: Address) -> str | None:
    """Why an address is not public ("a loopback address"), or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for kind, label in ADDRESS_KINDS:
        if getattr(address, kind):
            return str(label)
    if not address.is_global:  # shared address space (100.64.0.0/10) and other special ranges
        return _("not a public address")
    return None


ADDRESS_KINDS = (
    ("is_unspecified", gettext_lazy("an unspecified address")),
    ("is_loopback", gettext_lazy("a loopback address")),
    ("is_link_local", gettext_lazy("a link-local address")),
    ("is_multicast", gettext_lazy("a multicast address")),
    ("is_reserved", gettext_lazy("a reserved address")),
    ("is_private", gettext_lazy("a private address")),
)


def _checked_addresses(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, if all are allowed; the connection tries them in order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError(_("The host name “%(host)s” could not be found.") % {"host": host}, code="dns") from None
    addresses: list[str] = []
    for *_info, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        refusal = address_refusal(address)
        if refusal and not settings.FACTCHECK_FETCH_ALLOW_PRIVATE:
            if host == str(address):
                message = _("%(address)s is %(refusal)s; only public web addresses can be fetched.")
            else:
                message = _("“%(host)s” is %(address)s, %(refusal)s; only public web addresses can be fetched.")
            names = {"host": host, "address": address, "refusal": refusal}
            raise FetchError(message % names, code="private_address")
        if str(address) not in addresses:
            addresses.append(str(address))
    if not addresses:
        raise FetchError(_("The host name “%(host)s” could not be found.") % {"host": host}, code="dns")
    return addresses


@dataclass(frozen=True, slots=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == DEFAULT_PORTS[self.scheme] else f"{name}:{self.port}"


def _target(url: str) -> _Target:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise FetchError(_("Enter a valid web address."), code="invalid_url") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise FetchError(_("Only http:// and https:// pages can be fetched."), code="scheme")
    if not parts.hostname:
        raise FetchError(_("Enter a valid web address."), code="invalid_url")
    if parts.username or parts.password:
        raise FetchError(_("The address must not contain a user name or password."), code="credentials")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme], path)


class _Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def left(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            raise FetchError(
                _("The page took longer than %(seconds)s seconds to fetch.") % {"seconds": f"{self.seconds:g}"},
                code="timeout",
            )
        return left


def _open(target: _Target, deadline: _Deadline) -> urllib3.BaseHTTPResponse:
    """Send the GET to the first checked address that accepts a connection."""
    problem = ""
    for address in _checked_addresses(target.host, target.port):
        timeout = urllib3.Timeout(
            connect=min(settings.FACTCHECK_FETCH_CONNECT_TIMEOUT, deadline.left()),
            read=min(settings.FACTCHECK_FETCH_READ_TIMEOUT, deadline.left()),
        )
        if target.scheme == "https":
            # Connect to the checked address; the certificate must be valid for the host name (SNI).
            pool = urllib3.HTTPSConnectionPool(
                address,
                target.port,
                timeout=timeout,
                retries=False,
                cert_reqs="CERT_REQUIRED",
                server_hostname=target.host,
                assert_hostname=target.host,
            )
        else:
            pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False)
        try:
            return pool.urlopen(
                "GET",
                target.path,
                headers={
                    "Host": target.host_header,
                    "User-Agent": USER_AGENT,
                    "Accept": "text/html, application/xhtml+xml, text/plain;q=0.9",
                    "Accept-Encoding": "gzip, deflate",
                },
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
                release_conn=False,
            )
        except (NewConnectionError, ConnectTimeoutError):
            problem = _("Could not connect to “%(host)s”.") % {"host": target.host}
            continue  # the next address, if any
        except ReadTimeoutError:
            deadline.left()  # the deadline's message when that was the shorter wait
            raise FetchError(
                _("“%(host)s” did not answer within %(seconds)s seconds.")
                % {"host": target.host, "seconds": f"{settings.FACTCHECK_FETCH_READ_TIMEOUT:g}"},
                code="timeout",
            ) from None
        except SSLError:
            raise FetchError(
                _("The secure connection to “%(host)s” failed (its certificate could not be verified).")
                % {"host": target.host},
                code="tls",
            ) from None
        except (ProtocolError, HTTPError, OSError):
            raise FetchError(
                _("The connection to “%(host)s” broke off.") % {"host": target.host}, code="connection"
            ) from None
    raise FetchError(problem, code="connection")


def _media_type(header: str) -> tuple[str, str]:
    media, _sep, rest = header.partition(";")
    charset = ""
    for parameter in rest.split(";"):
        name, _sep, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower()
    return media.strip().lower(), charset


def _read(response: urllib3.BaseHTTPResponse, host: str, deadline: _Deadline) -> bytes:
    """The content, decompressed, up to the size limit; one read (one receive) at a time, so a
    page that trickles in is still stopped by the deadline."""
    limit = settings.FACTCHECK_MAX_ARTICLE_BYTES
    too_large = FetchError(
        _("The page is larger than the limit of %(limit)s bytes.") % {"limit": f"{limit:,}"}, code="too_large"
    )
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > limit:
        raise too_large
    pieces, size = [], 0
    try:
        while True:
            deadline.left()
            piece = response.read1(CHUNK)
            if not piece:
                break
            size += len(piece)
            if size > limit:
                raise too_large
            pieces.append(piece)
    except ReadTimeoutError:
        deadline.left()
        raise FetchError(
            _("“%(host)s” stopped sending the page for more than %(seconds)s seconds.")
            % {"host": host, "seconds": f"{settings.FACTCHECK_FETCH_READ_TIMEOUT:g}"},
            code="timeout",
        ) from None
    except (ProtocolError, HTTPError, OSError):
        raise FetchError(_("The connection to “%(host)s” broke off.") % {"host": host}, code="connection") from None
    return b"".join(pieces)


def fetch(url: str) -> FetchedPage:
    """GET a web page under the rules above; FetchError says why not."""
    deadline = _Deadline(settings.FACTCHECK_FETCH_DEADLINE)
    for _redirect in range(MAX_REDIRECTS + 1):
        target = _target(url)
        response = _open(target, deadline)
        try:
            if response.status in REDIRECT_STATUSES and response.headers.get("Location"):
                url = urljoin(url, response.headers["Location"].strip())
                continue
            if not 200 <= response.status < 300:
                reason = f" ({response.reason})" if response.reason else ""
                raise FetchError(
                    _("The page answered HTTP %(status)s%(reason)s.") % {"status": response.status, "reason": reason},
                    code="http_status",
                    status=response.status,
                )
            media, charset = _media_type(response.headers.get("Content-Type", ""))
            if media not in ACCEPTED_TYPES:
                if media:
                    message = _("The page is %(type)s, not HTML or plain text.") % {"type": media}
                else:
                    message = _("The page is of no stated type, not HTML or plain text.")
                raise FetchError(
                    message,
                    code="content_type",
                    status=response.status,
                )
            content = _read(response, target.host, deadline)
            return FetchedPage(url=url, status=response.status, content_type=media, charset=charset, content=content)
        finally:
            response.close()  # closes the connection too: each pool is used once
    raise FetchError(_("The page redirects more than %(count)s times.") % {"count": MAX_REDIRECTS}, code="redirects")

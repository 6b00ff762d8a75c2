"""Normalising source URLs so one document is stored once. Pure, no ORM."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.utils.translation import gettext as _

# Query parameters that only track the reader; they never change the document.
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga", "_hsenc", "_hsmi", "mkt_tok"}
)
DEFAULT_PORTS = {"http": 80, "https": 443}


class UrlError(ValueError):
    """A URL that cannot be a source; the message is shown to the user."""


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters.

    Only http and https are accepted.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UrlError(_("Enter a valid web address.")) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UrlError(_("Only http:// and https:// addresses can be sources."))
    host = (parts.hostname or "").lower()
    if not host or " " in url:
        raise UrlError(_("Enter a valid web address."))
    netloc = host if ":" not in host else f"[{host}]"
    if parts.username:
        raise UrlError(_("A source address must not contain a user name or password."))
    if port and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith("utm_") and key.lower() not in TRACKING_PARAMETERS
    ]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query, doseq=True), ""))

"""Reading article files (bytes) into text and metadata. No ORM.

Rules: UTF-8 only (a byte-order mark is dropped), no NUL or other binary
control bytes, not empty, at most FACTCHECK_MAX_ARTICLE_BYTES bytes. HTML is
reduced to its article text with trafilatura.
"""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .fetching import FetchedPage

TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
# Control characters that never occur in article text (tab, LF, CR and FF are fine).
_BINARY_BYTES = set(range(0, 9)) | {11} | set(range(14, 32)) | {127}


@dataclass(frozen=True, slots=True)
class ReadDocument:
    body: str
    title: str = ""
    url: str = ""
    publisher: str = ""
    published_at: str = ""
    language: str = ""


def max_bytes() -> int:
    return settings.FACTCHECK_MAX_ARTICLE_BYTES


def decode_text(data: bytes, *, name: str = "") -> str:
    """Decode UTF-8 bytes, refusing binary, empty, oversized or non-UTF-8 input. `name` says what
    the bytes are in the messages ("The file" when not given)."""
    name = name or _("The file")
    if len(data) > max_bytes():
        raise ValidationError(
            _("%(name)s is %(size)s bytes; the limit is %(limit)s bytes.")
            % {"name": name, "size": f"{len(data):,}", "limit": f"{max_bytes():,}"},
            code="too_large",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if any(byte in _BINARY_BYTES for byte in data[:8192]) or b"\x00" in data:
        raise ValidationError(
            _("%(name)s looks binary, not text. Upload a .txt or .html file.") % {"name": name}, code="binary"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _("%(name)s is not valid UTF-8 (first bad byte at position %(position)s). Save it as UTF-8 and try again.")
            % {"name": name, "position": exc.start + 1},
            code="not_utf8",
        ) from None
    if not text.strip():
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty")
    return text


def read_document(data: bytes, *, filename: str) -> ReadDocument:
    """Turn an uploaded or local file into text (and metadata, for HTML)."""
    suffix = Path(filename).suffix.lower()
    name = f"“{Path(filename).name}”"
    if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES:
        raise ValidationError(_("%(name)s is not a .txt or .html file.") % {"name": name}, code="unsupported_type")
    text = decode_text(data, name=name)
    if suffix in HTML_SUFFIXES:
        return read_html(text, name=name)
    return ReadDocument(body=text)


def read_html(html: str | bytes, *, name: str = "") -> ReadDocument:
    """Article text and metadata (title, canonical URL, site name, date, `<html lang>`) of a page.
    Bytes are decoded by trafilatura (the page's declared or detected encoding)."""
    import trafilatura

    tree = trafilatura.load_html(html)
    body = (
        trafilatura.extract(tree, include_comments=False, include_tables=False, favor_precision=True)
        if tree is not None
        else None
    )
    if not body or not body.strip():
        raise ValidationError(
            _("No article text could be found in %(name)s.") % {"name": name or _("The page")}, code="empty"
        )
    meta = trafilatura.extract_metadata(tree)
    return ReadDocument(
        body=body,
        title=(meta.title or "") if meta else "",
        url=(meta.url or "") if meta else "",
        publisher=(meta.sitename or "") if meta else "",
        published_at=(meta.date or "") if meta else "",
        language=_page_language(tree),
    )


def _page_language(tree) -> str:
    """The page's `<html lang>` as a code article_check accepts (`en`, `pt-BR`), or ""."""
    declared = (tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip()
    code = declared.replace("_", "-")
    if not code or len(code) > 16 or not code.replace("-", "").isalnum() or not code.isascii():
        return ""
    primary, _sep, region = code.partition("-")
    return f"{primary.lower()}-{region.upper()}" if region else primary.lower()


def read_page(page: FetchedPage) -> ReadDocument:
    """A fetched web page as an article: HTML through trafilatura, plain text decoded by its
    declared charset (UTF-8 when none), under decode_text's rules."""
    name = _("The page")
    if page.content_type == "text/plain":
        data = page.content
        if page.charset and page.charset.replace("-", "").lower() != "utf8":
            try:
                data = page.content.decode(page.charset).encode("utf-8")
            except (LookupError, UnicodeDecodeError):
                raise ValidationError(
                    _("%(name)s is not valid %(charset)s text.") % {"name": name, "charset": page.charset},
                    code="not_utf8",
                ) from None
        return ReadDocument(body=decode_text(data, name=name))
    if page.charset:
        try:
            return read_html(page.content.decode(page.charset), name=_("the page"))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: let trafilatura detect the encoding
    return read_html(page.content, name=_("the page"))

from django.core.exceptions import ValidationError
from django.test import override_settings
import pytest

from annotations.importing import read_document

HTML = b"""<!doctype html><html><head><title>Court filing says Huawei stole secrets | Tech Desk</title>
<meta property="og:site_name" content="Tech Desk"></head>
<body><nav>Home | News | Contact</nav><article><h1>Court filing says Huawei stole secrets</h1>
<p>A California-based IT consultancy has sued the Chinese telecom firm in the US District Court in Santa Ana.
The complaint says the company copied its designs and used them to win police contracts in several countries.</p>
<p>Huawei has denied similar allegations in the past. Evidence for the claims has not been made public,
and the company did not reply to a request for comment before publication of this article.</p>
</article><footer>Copyright 2021</footer></body></html>"""


def test_text_file_is_decoded():
    assert read_document("Ünïcode text.\n".encode(), filename="a.txt").body == "Ünïcode text.\n"


def test_byte_order_mark_is_dropped():
    assert read_document(b"\xef\xbb\xbfHello.", filename="a.txt").body == "Hello."


def test_html_file_gives_article_text_and_title():
    document = read_document(HTML, filename="story.html")
    assert document.title == "Court filing says Huawei stole secrets"
    assert "A California-based IT consultancy has sued" in document.body
    assert "Huawei has denied similar allegations" in document.body
    assert "Home | News" not in document.body


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (
            "Grüße".encode("latin-1"),
            "old.txt",
            "“old.txt” is not valid UTF-8 (first bad byte at position 3). Save it as UTF-8 and try again.",
        ),
        (b"", "empty.txt", "“empty.txt” is empty."),
        (b"  \n\n ", "blank.txt", "“blank.txt” is empty."),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "image.txt",
            "“image.txt” looks binary, not text. Upload a .txt or .html file.",
        ),
        (b"text", "report.pdf", "“report.pdf” is not a .txt or .html file."),
        (
            b"<html><head><title>x</title></head><body></body></html>",
            "nav.html",
            "No article text could be found in “nav.html”.",
        ),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(data, filename, message):
    with pytest.raises(ValidationError) as raised:
        read_document(data, filename=filename)
    assert raised.value.messages == [message]


@override_settings(FACTCHECK_MAX_ARTICLE_BYTES=10)
def test_oversized_file_is_refused():
    with pytest.raises(ValidationError) as raised:
        read_document(b"x" * 11, filename="big.txt")
    assert raised.value.messages == ["“big.txt” is 11 bytes; the limit is 10 bytes."]

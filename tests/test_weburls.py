import pytest

from annotations.weburls import UrlError, normalize_url


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("HTTPS://WWW.BBC.co.uk/news/world-asia-47855015#comments", "https://www.bbc.co.uk/news/world-asia-47855015"),
        (
            "https://example.org/a?utm_source=tw&utm_medium=social&id=7&fbclid=abc",
            "https://example.org/a?id=7",
        ),
        ("http://example.org:80/", "http://example.org/"),
        ("https://example.org:8443/x", "https://example.org:8443/x"),
        ("https://example.org", "https://example.org/"),
        ("  https://example.org/Case/Path  ", "https://example.org/Case/Path"),
    ],
)
def test_normalize(raw, normalized):
    assert normalize_url(raw) == normalized


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("javascript:alert(1)", "Only http:// and https:// addresses can be sources."),
        ("ftp://example.org/file", "Only http:// and https:// addresses can be sources."),
        ("data:text/html,hi", "Only http:// and https:// addresses can be sources."),
        ("https://", "Enter a valid web address."),
        ("not a url", "Only http:// and https:// addresses can be sources."),
        ("https://user:pw@example.org/", "A source address must not contain a user name or password."),
        ("https://example.org:99999/", "Enter a valid web address."),
    ],
)
def test_refused(raw, message):
    with pytest.raises(UrlError) as raised:
        normalize_url(raw)
    assert str(raised.value) == message

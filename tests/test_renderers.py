from datetime import UTC, datetime

from annotations.api.renderers import JSONRenderer


def render(data) -> bytes:
    return JSONRenderer().render(data, "application/json", {})


def test_datetimes_are_written_as_drf_writes_them():
    aware = datetime(2019, 5, 2, 8, 30, 0, 120000, tzinfo=UTC)
    naive_utc = datetime(2019, 5, 2, 8, 30)
    assert (
        render({"at": aware, "utc": naive_utc}) == b'{"at":"2019-05-02T08:30:00.120000Z","utc":"2019-05-02T08:30:00Z"}'
    )


def test_errors_keyed_by_position_are_written_with_string_keys():
    errors = {"sources": {0: {"url": ["Enter a valid URL."]}, 2: {"relation": ["This field is required."]}}}
    assert render(errors) == (
        b'{"sources":{"0":{"url":["Enter a valid URL."]},"2":{"relation":["This field is required."]}}}'
    )


def test_line_and_paragraph_separators_stay_characters():
    assert render({"quote": "a\u2028b\u2029c"}) == '{"quote":"a\u2028b\u2029c"}'.encode()


def test_no_content_renders_empty():
    assert render(None) == b""

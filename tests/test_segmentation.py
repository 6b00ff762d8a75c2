import unicodedata

from django.test import SimpleTestCase
import pytest

from annotations.segmentation import normalize_text, segmenter_language, split_sentences


def texts(body: str, language: str = "en") -> list[str]:
    return [body[s.start : s.end] for s in split_sentences(body, language)]


def assert_exact_spans(body: str, language: str = "en") -> None:
    spans = split_sentences(body, language)
    assert spans, "expected at least one sentence"
    previous_end = 0
    for number, span in enumerate(spans):
        text = body[span.start : span.end]
        assert span.index == number
        assert 0 <= span.start < span.end <= len(body)
        assert span.start >= previous_end
        assert text == text.strip(), f"sentence {number} has surrounding whitespace: {text!r}"
        assert "\n" not in text, f"sentence {number} crosses a line break: {text!r}"
        previous_end = span.end
    # Everything that is not a sentence is whitespace.
    covered = set()
    for span in spans:
        covered.update(range(span.start, span.end))
    assert all(body[i].isspace() for i in range(len(body)) if i not in covered)


def test_seed_article_has_26_sentences_with_exact_offsets(seed_text):
    body = normalize_text(seed_text)
    spans = split_sentences(body, "en")
    assert len(spans) == 26
    assert (spans[0].start, spans[0].end) == (0, 183)
    assert body[spans[0].start : spans[0].end].startswith("A California-based IT consultancy")
    assert body[spans[0].start : spans[0].end].endswith("for Pakistani authorities.")
    assert texts(body)[3] == "Huawei spying in Pakistan?"
    assert_exact_spans(body)


def test_seed_paragraph_without_final_period_is_one_sentence(seed_text):
    body = normalize_text(seed_text)
    ending = [t for t in texts(body) if t.endswith("a “misunderstanding”")]
    assert len(ending) == 1
    assert ending[0].startswith("The BES lawsuit cites a past instance")


def test_heading_line_is_its_own_sentence():
    body = "How Huawei did all of this?\nHuawei is said to have robbed designs\nThe end."
    assert texts(body) == ["How Huawei did all of this?", "Huawei is said to have robbed designs", "The end."]
    assert [s.paragraph for s in split_sentences(body)] == [0, 1, 2]


def test_emoji_before_a_sentence_keeps_code_point_offsets():
    body = "Great news 🎉🎉 for everyone. The court 🏛️ ruled today."
    spans = split_sentences(body)
    assert texts(body) == ["Great news 🎉🎉 for everyone.", "The court 🏛️ ruled today."]
    # Code points, not UTF-16 units (where the second sentence would start at 30).
    assert (spans[1].start, spans[1].end) == (28, 53)
    assert len(body[:28].encode("utf-16-le")) // 2 == 30
    assert_exact_spans(body)


def test_crlf_line_endings_become_line_feeds():
    raw = "First line here.\r\nSecond line here.\rThird line."
    body = normalize_text(raw)
    assert body == "First line here.\nSecond line here.\nThird line."
    assert texts(body) == ["First line here.", "Second line here.", "Third line."]
    assert_exact_spans(body)


def test_nfd_text_is_composed_and_offsets_follow_the_shorter_text():
    raw = unicodedata.normalize("NFD", "Café owners in Zürich said so. Señor Núñez agreed.")
    body = normalize_text(raw)
    assert len(body) < len(raw)
    assert unicodedata.is_normalized("NFC", body)
    assert texts(body) == ["Café owners in Zürich said so.", "Señor Núñez agreed."]
    assert_exact_spans(body)


def test_urdu_sentences_split_on_the_urdu_full_stop():
    body = "پاکستان میں ہواوے پر مقدمہ دائر کیا گیا ہے۔ کمپنی نے الزامات کی تردید کی ہے۔\nیہ دوسرا پیراگراف ہے۔"
    assert texts(body, "ur") == [
        "پاکستان میں ہواوے پر مقدمہ دائر کیا گیا ہے۔",
        "کمپنی نے الزامات کی تردید کی ہے۔",
        "یہ دوسرا پیراگراف ہے۔",
    ]
    assert_exact_spans(body, "ur")


def test_abbreviations_do_not_end_sentences():
    body = (
        "The U.S. Department of Justice filed on Jan. 5 against Dr. Smith of No. 10 Main St. in Washington. "
        "Mr. Jones, an attorney at Smith & Co., declined to comment.\n"
        "He said e.g. the filing was late."
    )
    assert texts(body) == [
        "The U.S. Department of Justice filed on Jan. 5 against Dr. Smith of No. 10 Main St. in Washington.",
        "Mr. Jones, an attorney at Smith & Co., declined to comment.",
        "He said e.g. the filing was late.",
    ]
    assert_exact_spans(body)


def test_blank_and_indented_lines_are_skipped_without_shifting_offsets():
    body = "  Indented first sentence.  \n\n\t\nSecond paragraph.   "
    spans = split_sentences(body)
    assert texts(body) == ["Indented first sentence.", "Second paragraph."]
    assert (spans[0].start, spans[1].start) == (2, 32)
    assert [s.paragraph for s in spans] == [0, 1]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "en"), ("ur", "ur"), ("pt-BR", "en"), ("DE", "de"), ("xx", "en")],
)
def test_segmenter_language_falls_back_to_english(language, expected):
    assert segmenter_language(language) == expected


class NormalizeTextTests(SimpleTestCase):
    def test_keeps_everything_else(self):
        text = "  Tabs\tand  double  spaces stay.\n\n"
        self.assertEqual(normalize_text(text), text)

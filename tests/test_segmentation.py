from itertools import pairwise
import re
import string
import unicodedata

from django.test import SimpleTestCase
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pysbd
from pysbd.languages import LANGUAGE_CODES
import pytest

from annotations import segmentation
from annotations.segmentation import (
    MAX_PIECE_CHARS,
    RE_IGNORECASE_ASCII,
    RIGHT_CONTEXT_CHARS,
    Piece,
    _segmenter,
    normalize_text,
    paragraph_pieces,
    segmenter_language,
    split_sentences,
)


def texts(body: str, language: str = "en") -> list[str]:
    return [body[s.start : s.end] for s in split_sentences(body, language)]


def assert_exact_spans(body: str, language: str = "en") -> list:
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
    return spans


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


# --- Long paragraphs: pysbd is given them in pieces of at most MAX_PIECE_CHARS. ---

NEWS_EN = [
    "The U.S. Department of Commerce said on Tuesday that exports rose 2.4% in March, the fastest pace since Jan. "
    '2021. Mr. Lee, who heads the agency\'s trade office, called the figure "encouraging. But not yet a trend." '
    "Analysts at J.P. Morgan & Co. expected 1.9%.",
    '"We did not sign anything. We were never asked to. And we will say so in court," said Ayesha Khan, a lawyer '
    'for the company. Her client, she added, had "no knowledge of the contract (signed in Dubai in 2019. or so the '
    'papers say) and no reason to know." The hearing is set for 9 a.m. on Friday.',
    "Prime Minister Shehbaz Sharif met Chinese officials in Beijing on Sept. 14. The talks covered the "
    "China-Pakistan Economic Corridor, worth about $62 bn., and a plan to build 3.5 GW of new capacity. Officials "
    "declined to say whether Huawei Technologies Co. Ltd. was discussed.",
    "“I have seen the documents. They are real. Anyone who says otherwise has not read them,” the former employee "
    "told reporters outside the courthouse. He would not give his name. Asked whether he feared reprisals, he "
    "said: “Of course. Who wouldn’t?”",
    "The report (pp. 12–14) lists three cases. In the first, a router sent data to an address in Shenzhen every 6 "
    "hrs. In the second, engineers found an undocumented account. In the third, the vendor said the logs were "
    'lost. Dr. Farah Siddiqui of the Lahore University of Management Sciences called the findings "serious, if not '
    'surprising."',
    "She told the BBC: 'It is not a question of trust. It is a question of verification.' The ministry's "
    'spokesman, Lt. Col. (retd.) Ahmed Raza, said the review would take "weeks, not months." Critics were '
    'unconvinced. "They said that in 2021," one senator noted.',
    "Shares of the company fell 4.7 per cent to Rs. 112.50 on the Pakistan Stock Exchange. Trading volume was "
    "about three times the 30-day average, according to data compiled by Bloomberg L.P. A spokesperson for the "
    'exchange said no trading halt was considered. The company said it would issue a statement "in due course."',
    "Is this the end of the affair? Probably not! The lawsuit, filed in the U.S. District Court for the Northern "
    "District of California, seeks damages of at least $15 million... Lawyers for both sides are due back in "
    "court on Oct. 3 at 10:30 a.m. local time.",
    'In a statement, the ministry said: "The Safe City project was approved by the federal cabinet after a full '
    "review. Every contract was vetted by the relevant authorities. No data leaves the country. The servers are "
    "located in Islamabad and are operated by Pakistani engineers. Any suggestion to the contrary is baseless and "
    'will be challenged." The statement did not address the lawsuit directly.',
    "“The system was never audited. We asked for an audit in 2019, and again in 2021. Both times we were told it "
    "was not necessary. I still have the letters. If there is nothing to hide, why not allow one?” said the "
    "former official, who asked not to be named because he was not authorised to speak to the press.",
]

NEWS_UR = [
    "پاکستان میں ہواوے کے خلاف امریکی عدالت میں مقدمہ دائر کیا گیا ہے۔ مقدمے میں الزام لگایا گیا ہے کہ کمپنی نے "
    'لاہور میں نگرانی کا نظام نصب کیا۔ کمپنی کے ترجمان نے کہا: "ہم ان الزامات کی سختی سے تردید کرتے ہیں۔ ہم عدالت '
    'میں اپنا دفاع کریں گے۔" وزارت داخلہ نے اس پر کوئی تبصرہ نہیں کیا۔',
    "کیا یہ معاہدہ شفاف تھا؟ ماہرین کا کہنا ہے کہ اس کی تفصیلات کبھی عوام کے سامنے نہیں آئیں۔ سینیٹ کی قائمہ کمیٹی "
    "نے اگلے ہفتے اجلاس طلب کر لیا ہے! اجلاس میں وزارت آئی ٹی کے حکام بھی شریک ہوں گے۔",
    "سیف سٹی منصوبے پر تقریباً ۱۵ کروڑ ڈالر لاگت آئی۔ ایک سابق اہلکار نے بتایا کہ “ڈیٹا کہاں جاتا ہے، یہ کسی کو "
    "معلوم نہیں۔ ہم نے کئی بار پوچھا۔” حکومت کا موقف ہے کہ تمام ڈیٹا ملک کے اندر محفوظ ہے۔",
]

REPEATED_SENTENCE = "Lock demo sentence number x is here."


def whole_paragraph_pysbd(paragraph: str, language: str = "en") -> list[str]:
    """pysbd on the whole paragraph at once, as split_sentences used it before pieces."""
    segmenter = pysbd.Segmenter(language=language, clean=False)
    return [sentence.strip() for sentence in segmenter.segment(paragraph) if sentence.strip()]


def assert_pieces_bounded(line: str, language: str = "en") -> list[Piece]:
    """Every piece given to pysbd is at most MAX_PIECE_CHARS long, each starts where the previous one's
    sentences end, a quarter of a piece on at least, and they cover the paragraph."""
    pieces = paragraph_pieces(line, language)
    assert pieces[0].start == 0
    assert pieces[-1].end == len(line)
    for piece, following in pairwise(pieces):
        assert following.start == piece.sentences[-1][1]
        assert following.start - piece.start >= MAX_PIECE_CHARS // 4
    for piece in pieces:
        assert piece.end - piece.start <= MAX_PIECE_CHARS
        assert all(piece.start <= start < end <= piece.end for start, end in piece.sentences)
    return pieces


def test_demo_article_sentences_are_pysbds_on_each_paragraph(seed_text):
    body = normalize_text(seed_text)
    expected = [sentence for line in body.split("\n") for sentence in whole_paragraph_pysbd(line)]
    assert texts(body) == expected
    assert [len(paragraph_pieces(line)) for line in body.split("\n") if line.strip()] == [1] * 14


@pytest.mark.parametrize("paragraph", NEWS_EN, ids=range(len(NEWS_EN)))
def test_news_paragraph_sentences_are_pysbds(paragraph):
    assert len(paragraph) <= MAX_PIECE_CHARS
    assert texts(paragraph) == whole_paragraph_pysbd(paragraph)


@pytest.mark.parametrize("paragraph", NEWS_UR, ids=range(len(NEWS_UR)))
def test_urdu_paragraph_sentences_are_pysbds(paragraph):
    assert texts(paragraph, "ur") == whole_paragraph_pysbd(paragraph, "ur")


def test_demo_article_as_one_paragraph_is_read_in_pieces_with_the_same_sentences(seed_text):
    line = " ".join(paragraph.strip() for paragraph in normalize_text(seed_text).split("\n") if paragraph.strip())
    assert len(assert_pieces_bounded(line)) == 5
    assert [line[span.start : span.end] for span in assert_exact_spans(line)] == whole_paragraph_pysbd(line)


@pytest.mark.parametrize("rotation", range(len(NEWS_EN)))
def test_news_as_one_paragraph_is_read_in_pieces_with_the_same_sentences(rotation):
    line = " ".join(NEWS_EN[rotation:] + NEWS_EN[:rotation])
    assert len(assert_pieces_bounded(line)) >= 3
    assert [line[span.start : span.end] for span in assert_exact_spans(line)] == whole_paragraph_pysbd(line)


def test_urdu_as_one_paragraph_is_read_in_pieces_with_the_same_sentences():
    line = " ".join(NEWS_UR * 3)
    assert len(assert_pieces_bounded(line, "ur")) >= 2
    assert [line[span.start : span.end] for span in assert_exact_spans(line, "ur")] == whole_paragraph_pysbd(line, "ur")


REVIEW = (
    "Officials in Islamabad said a review of every foreign contract had begun in February and would be published "
    "before the budget."
)
CAMERAS = (
    "The ministry did not say how many cameras had been installed in Lahore, Islamabad and Karachi since the "
    "project began, or what each had cost."
)


def test_a_quotation_across_the_end_of_a_piece_is_not_split():
    # In a piece that ends before the closing quote, pysbd splits "… review. Every contract …".
    line = " ".join([NEWS_EN[2], NEWS_EN[7], "Talks resumed in April.", REVIEW, NEWS_EN[8], NEWS_EN[2]])
    opening, closing = line.index('"The Safe City'), line.index('challenged."')
    assert opening < paragraph_pieces(line)[0].end < closing
    assert texts(line) == whole_paragraph_pysbd(line)
    assert whole_paragraph_pysbd(NEWS_EN[8])[0] in texts(line)


def test_a_numbered_list_across_the_end_of_a_piece_keeps_its_items():
    # pysbd reads "2." as a list item only when it also sees "1.".
    steps = (
        "The court ordered two steps. 1. The company must hand over its logs. 2. A court-appointed auditor will "
        "review them and report to the judge within ninety days."
    )
    line = " ".join([NEWS_EN[2], NEWS_EN[7], REVIEW, CAMERAS, steps, NEWS_EN[0]])
    assert line.index(" 2. ") < MAX_PIECE_CHARS - RIGHT_CONTEXT_CHARS < line.index("ninety days.")
    assert texts(line) == whole_paragraph_pysbd(line)
    assert "2. A court-appointed auditor will review them and report to the judge within ninety days." in texts(line)


def test_long_paragraph_of_one_repeated_sentence():
    line = " ".join([REPEATED_SENTENCE] * 5_400)  # 199,799 characters in one line
    assert len(assert_pieces_bounded(line)) > len(line) // MAX_PIECE_CHARS
    assert [line[span.start : span.end] for span in assert_exact_spans(line)] == [REPEATED_SENTENCE] * 5_400


def test_paragraph_without_punctuation_is_cut_at_spaces_within_the_bound():
    line = " ".join([REPEATED_SENTENCE.rstrip(".")] * 1_400)  # 49,999 characters, no sentence boundary
    assert_pieces_bounded(line)
    sentences = [line[span.start : span.end] for span in assert_exact_spans(line)]
    assert max(len(sentence) for sentence in sentences) <= MAX_PIECE_CHARS
    assert min(len(sentence) for sentence in sentences) >= MAX_PIECE_CHARS // 2
    assert " ".join(sentences) == line  # every cut is at a space: no word is split


def test_a_sentence_longer_than_a_piece_is_cut_and_its_neighbours_kept():
    run_on = "and then the engineers checked the cameras again " * 60  # 2,940 characters without a full stop
    line = f"{NEWS_EN[0]} The audit began in May {run_on}until it ended. {NEWS_EN[7]}"
    assert_pieces_bounded(line)
    sentences = [line[span.start : span.end] for span in assert_exact_spans(line)]
    before, after = whole_paragraph_pysbd(NEWS_EN[0]), whole_paragraph_pysbd(NEWS_EN[7])
    assert sentences[: len(before)] == before
    assert sentences[-len(after) :] == after
    assert " ".join(sentences[len(before) : -len(after)]) == f"The audit began in May {run_on}until it ended."
    assert 3 <= len(sentences) - len(before) - len(after) <= 6
    assert all(len(sentence) <= MAX_PIECE_CHARS for sentence in sentences)


def test_a_paragraph_up_to_the_bound_goes_to_pysbd_whole():
    line = " ".join(NEWS_EN)[:MAX_PIECE_CHARS].rstrip()
    assert [(piece.start, piece.end) for piece in paragraph_pieces(line)] == [(0, len(line))]
    longer = " ".join(NEWS_EN)[: MAX_PIECE_CHARS + 1]
    assert paragraph_pieces(longer)[0].end == MAX_PIECE_CHARS


def test_a_quotation_longer_than_a_piece_is_split_inside_and_each_piece_moves_on():
    # No boundary outside the quotation after the first one: the pieces still move on a quarter at least.
    statement = " ".join([REVIEW, CAMERAS, NEWS_EN[2], NEWS_EN[7]] * 3)
    line = f'Critics spoke. The spokesman read out a statement: "{statement}" He took no questions.'
    assert len(statement) > 2 * MAX_PIECE_CHARS
    assert whole_paragraph_pysbd(line)[1].endswith(f'"{statement}"')
    pieces = assert_pieces_bounded(line)
    sentences = [line[span.start : span.end] for span in assert_exact_spans(line)]
    assert sentences[0] == "Critics spoke."
    assert sentences[1].startswith("The spokesman read out a statement:")
    assert len(sentences) > len(pieces) > 2
    assert max(len(sentence) for sentence in sentences) <= MAX_PIECE_CHARS


# --- pysbd's abbreviation pass, given only the abbreviations a full stop follows. ---

PLAIN_PYSBD = {}


def plain_pysbd(language: str) -> pysbd.Segmenter:
    if language not in PLAIN_PYSBD:
        PLAIN_PYSBD[language] = pysbd.Segmenter(language=language, clean=False)
    return PLAIN_PYSBD[language]


def test_the_letters_a_regular_expression_takes_for_ascii_ones_ignoring_case_are_listed():
    # The filter is exact only if this table is: a new Python's Unicode tables could change it.
    letter = re.compile("[a-z]", re.IGNORECASE)
    found = {}
    for code in range(0x110000):
        character = chr(code)
        if not 0xD800 <= code <= 0xDFFF and letter.fullmatch(character):
            lowered = character.lower()
            if not (len(lowered) == 1 and "a" <= lowered <= "z"):
                found[code] = next(a for a in string.ascii_lowercase if re.fullmatch(a, character, re.IGNORECASE))
    assert found == RE_IGNORECASE_ASCII


def abbreviation_text(language: str) -> str:
    """Every abbreviation of the language, followed by a full stop or not, in several cases."""
    module = pysbd.languages.Language.get_language_code(language)
    words = []
    for number, abbreviation in enumerate(module.Abbreviation.ABBREVIATIONS):
        word = abbreviation.strip()
        forms = [f"{word}. Smith", f"{word.capitalize()}. 12", f"{word.upper()} went", f"({word}. a)", f"{word}.: b"]
        words.append(forms[number % len(forms)])
    return " ".join(words) + ". İt. ıt. ſt. Done."


@pytest.mark.parametrize("language", sorted(LANGUAGE_CODES))
def test_every_language_splits_like_pysbd_on_its_own_abbreviations(language):
    text = abbreviation_text(language)
    assert _segmenter(language).segment(text) == plain_pysbd(language).segment(text)


def test_the_english_pass_leaves_out_abbreviations_no_full_stop_follows(monkeypatch):
    seen = []

    class Recorded(segmentation._LanguageWith):
        def __init__(self, language, abbreviations):
            seen.append(abbreviations)
            super().__init__(language, abbreviations)

    monkeypatch.setattr(segmentation, "_LanguageWith", Recorded)
    split_sentences("Gen. Bajwa met the general at St. Mary's; no one else came.")
    assert seen and {"gen", "st"} <= set(seen[0]) and "no" not in seen[0] and "al" not in seen[0]
    assert len(seen[0]) < len(pysbd.lang.english.English.Abbreviation.ABBREVIATIONS) // 4


TOKENS = st.sampled_from(
    [*pysbd.lang.english.English.Abbreviation.ABBREVIATIONS[::7], "İt", "ıt", "ſt", "St", "NO", "a", "I"]
).flatmap(lambda word: st.sampled_from([word, word.upper(), word.capitalize()]))
GLUE = st.sampled_from(
    [" ", ". ", ".", ", ", "? ", "! ", ' "', '" ', " (", ") ", ": ", " 12", " 3.5 ", " Smith", " the"]
)


@given(st.lists(st.tuples(TOKENS, GLUE), min_size=1, max_size=40))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_english_splits_like_pysbd_on_text_made_of_abbreviations(pairs):
    text = "".join(token + glue for token, glue in pairs)
    assert _segmenter("en").segment(text) == plain_pysbd("en").segment(text)


# --- pysbd_segment: pysbd's own search for its sentences, done with str.find ----------------------

SEGMENT_PIECES = st.sampled_from(
    [
        "Gen. Bajwa met him.",
        "He said: “No.”",
        "It rained.",
        "It rained.",  # the same sentence again: the next occurrence, not the first
        "(a) one",
        "1. two",
        "Mr. Smith",
        "?",
        "!!",
        "U.S.A.",
        "لاہور۔",
        "",
    ]
)
SEGMENT_GLUE = st.sampled_from([" ", "  ", "\u00a0", "\u2003", "\t", "", " \u3000", ". "])


@given(st.lists(st.tuples(SEGMENT_PIECES, SEGMENT_GLUE), min_size=1, max_size=30))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_pysbd_segment_returns_what_pysbds_segment_returns(pairs):
    text = "".join(piece + glue for piece, glue in pairs)
    for language in ("en", "ur"):
        segmenter = _segmenter(language)
        assert segmentation.pysbd_segment(segmenter, text) == segmenter.segment(text)


@pytest.mark.parametrize("language", ["en", "ur", "de", "zh"])
def test_pysbd_segment_returns_what_pysbds_segment_returns_on_the_corpora(language, seed_text):
    segmenter = _segmenter(language)
    for text in [*normalize_text(seed_text).split("\n"), *NEWS_EN, *NEWS_UR, abbreviation_text(language)]:
        assert segmentation.pysbd_segment(segmenter, text) == segmenter.segment(text)

"""reader.py: pure, no database."""

from annotations.reader import span_place

SENTENCES = [(11, 100, 140), (12, 141, 190)]


def test_a_whole_sentence_is_named_by_its_number_from_one():
    assert span_place(SENTENCES[:1], 100, 140) == "Sentence 12"


def test_a_phrase_inside_a_sentence():
    assert span_place(SENTENCES[:1], 105, 120) == "In sentence 12"
    assert span_place(SENTENCES[:1], 100, 139) == "In sentence 12"


def test_a_span_across_sentences_names_the_first_and_the_last():
    assert span_place(SENTENCES, 120, 150) == "Sentences 12–13"
    assert span_place([(0, 0, 5), (1, 6, 9), (2, 10, 20)], 0, 20) == "Sentences 1–3"


def test_a_span_outside_every_sentence_has_no_place():
    assert span_place([], 140, 141) == ""

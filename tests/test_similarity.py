"""similarity.py: a claim's words in one spelling, and how alike two claims are. Pure: no database."""

import pytest

from annotations.similarity import SIMILAR_FLOOR, claim_words, query_words, similarity


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("In two thousand and nineteen", ("2019",)),
        ("in twenty nineteen", ("2019",)),
        ("nineteen eighty four", ("1984",)),
        ("Eight thousand cameras", ("8000", "camera")),
        ("three million rupees", ("3000000", "rupe")),
        ("twenty one days", ("21", "days")),
        ("one hundred and five", ("105",)),
        ("two and two", ("2", "2")),
        ("Hua Wei and HUAWEI", ("huawei", "huawei")),
        ("the Wi-Fi cards", ("wifi", "card")),
        ("U.S. authorities", ("us", "authoriti")),
        ("alleging, alleged", ("alleg", "alleg")),
        ("", ()),
        ("the of and to", ()),
    ],
)
def test_claim_words(text, words):
    assert claim_words(text) == words


def test_query_words_are_the_typed_words_then_the_canonical_ones():
    assert query_words("Hua Wei took the Wi-Fi cards in two thousand nineteen") == [
        "hua",
        "wei",
        "took",
        "wi",
        "fi",
        "cards",
        "two",
        "thousand",
        "nineteen",
        "huawei",
        "wifi",
        "2019",
    ]
    assert query_words('"; DROP TABLE x; --') == ["drop", "table", "x"]
    assert len(query_words("word " * 100 + " ".join(f"w{n}" for n in range(100)))) == 32
    assert query_words("x" * 1000) == ["x" * 100]


def test_similarity_is_order_and_spelling_blind_and_zero_without_words():
    claim = "The PSCA told Huawei to remove Wi-Fi cards in 2019."
    assert similarity("In twenty nineteen, Hua Wei was told by the PSCA to remove WiFi cards.", claim) == 1.0
    assert similarity("", claim) == 0.0
    assert similarity("the of", claim) == 0.0
    assert similarity(claim, "", "the") == 0.0
    assert similarity("The weather in Lahore was cold this winter.", claim) < SIMILAR_FLOOR


def test_the_closest_of_several_texts_counts():
    claim = "Huawei created a backdoor into the police network."
    assert similarity(claim, "a backdoor", "Huawei created a backdoor into the police network, it says.") == similarity(
        claim, "Huawei created a backdoor into the police network, it says."
    )

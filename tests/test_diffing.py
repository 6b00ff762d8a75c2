from annotations.diffing import Change, body_diff


def test_a_changed_word_is_one_removal_and_one_addition():
    diff = body_diff("The firm stole secrets.", "The company stole secrets.")
    assert diff.changes == [
        Change("equal", "The "),
        Change("delete", "firm"),
        Change("insert", "company"),
        Change("equal", " stole secrets."),
    ]
    assert (diff.removed_words, diff.added_words) == (1, 1)


def test_a_rewritten_sentence_reads_as_one_block_not_word_salad():
    diff = body_diff("Start. Last year the US claimed it. End.", "Start. Washington has since placed the firm. End.")
    assert diff.changes == [
        Change("equal", "Start. "),
        Change("delete", "Last year the US claimed it"),
        Change("insert", "Washington has since placed the firm"),
        Change("equal", ". End."),
    ]


def test_paragraph_breaks_are_never_folded_and_text_is_kept_exactly():
    old, new = "One two.\nThree four.", "One three.\nThree five."
    diff = body_diff(old, new)
    assert "".join(c.text for c in diff.changes if c.kind != "insert") == old
    assert "".join(c.text for c in diff.changes if c.kind != "delete") == new
    assert Change("equal", ".\nThree ") in diff.changes


def test_identical_bodies_have_no_changes():
    assert body_diff("Same.", "Same.").changes == [Change("equal", "Same.")]

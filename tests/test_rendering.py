"""rendering.py: nested marks, one tab stop per verdict, and what a mark says to a screen reader. No database."""

import re

from django.contrib.auth import get_user_model

from annotations import rendering
from annotations.models import Annotation, Sentence
from annotations.reader import layout
from annotations.rendering import mark_description, piece_html

BODY = "Huawei stole <secrets>. BES says so."


def verdict(pk: int, start: int, end: int, status: str, state: str = "draft", author: str = "reviewer") -> Annotation:
    return Annotation(
        pk=pk,
        start=start,
        end=end,
        quote=BODY[start:end],
        status=status,
        state=state,
        author=get_user_model()(username=author),
    )


def sentence_html(annotations: list[Annotation]) -> str:
    sentences = [Sentence(index=0, paragraph=0, start=0, end=23), Sentence(index=1, paragraph=0, start=24, end=36)]
    pieces = layout(BODY, sentences, annotations)[0].pieces
    return "".join(piece_html(piece) for piece in pieces)


def test_description_names_status_state_and_author():
    annotation = verdict(7, 0, 6, "denied", state="changes_requested", author="reviewer2")
    assert mark_description(annotation) == "Denied verdict, changes requested, by reviewer2"


def test_each_verdict_has_one_tab_stop_on_its_first_fragment():
    # "stole <secrets>. BES" crosses the sentence's whole-verdict mark and the gap: three fragments.
    whole = verdict(1, 0, 23, "alleged")
    crossing = verdict(2, 7, 28, "evidenced", state="approved", author="editor")
    html = sentence_html([whole, crossing])

    opening = re.findall(r"<mark [^>]*>", html)
    assert [re.search(r'data-annotation-id="(\d+)"', tag).group(1) for tag in opening] == ["1", "2", "2", "2"]
    focusable = [tag for tag in opening if 'tabindex="0"' in tag]
    assert focusable == [
        '<mark class="mark mark-alleged mark-first" data-annotation-id="1" data-status="alleged" '
        'title="Alleged verdict, draft, by reviewer" tabindex="0" aria-describedby="mark-note-1">',
        '<mark class="mark mark-evidenced mark-first" data-annotation-id="2" data-status="evidenced" '
        'title="Evidenced verdict, approved, by editor" tabindex="0" aria-describedby="mark-note-2">',
    ]
    assert opening[2] == (
        '<mark class="mark mark-evidenced" data-annotation-id="2" data-status="evidenced" '
        'title="Evidenced verdict, approved, by editor">'
    )


def test_marked_text_is_escaped_and_unchanged():
    html = sentence_html([verdict(1, 7, 22, "unverified")])
    assert "&lt;secrets&gt;" in html
    assert re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">") == BODY


def test_a_bar_chart_scales_its_bars_to_the_largest_value():
    chart = rendering.bar_chart([0, 2, 4], width=300, height=116, gap=10)
    assert chart["top"] == 4
    assert [(bar["x"], bar["width"], bar["middle"]) for bar in chart["bars"]] == [
        (5.0, 90.0, 50.0),
        (105.0, 90.0, 150.0),
        (205.0, 90.0, 250.0),
    ]
    # the tallest leaves 16 units above it for its value; the empty one has no height
    assert [(bar["y"], bar["height"], bar["value"]) for bar in chart["bars"]] == [
        (116, 0, 0),
        (66.0, 50.0, 2),
        (16.0, 100.0, 4),
    ]
    assert rendering.bar_chart([0, 0])["top"] == 0

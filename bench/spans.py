"""Spans to annotate, shared by the seed and the API benchmark. Pure: offsets are code points."""


def spans_of(body: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Every sentence, then a phrase from each (its first six words), then each one's second half."""
    spans = list(sentences)
    for part in ("head", "tail"):
        for start, end in sentences:
            spaces = [i for i, char in enumerate(body[start:end]) if char == " "]
            if len(spaces) < 8:
                continue
            if part == "head":
                spans.append((start, start + spaces[5]))
            else:
                spans.append((start + spaces[len(spaces) // 2] + 1, end))
    return spans

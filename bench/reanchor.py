"""Re-anchoring after a correction: an article of 5,000 words with 500 verdicts gets a corrected
version; the time of services.article_version_create (checks, segmentation, the transaction that
stores the version and re-anchors every verdict) is measured.

    python bench/reanchor.py [--words 5000] [--verdicts 500] [--runs 3]

Runs inside Django against DATABASE_URL (migrated). Each run imports its own article (a text no
other article has), records the verdicts through services.annotation_create, approves a tenth of
them, then stores a correction: a paragraph inserted at the top and one in the middle, one word
changed in every tenth sentence, every fiftieth sentence deleted. Prints one JSON object: the
seconds of each run, their median, and the outcome counts of the last run (which equal its events).
"""

import argparse
import json
import random
import statistics
import time

import djangoenv

VOCABULARY_SIZE = 3000


def _words(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return sorted({"".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(VOCABULARY_SIZE)})


def _article(rng: random.Random, vocabulary: list[str], words: int, tag: str) -> list[list[str]]:
    """Paragraphs of sentences (each a list of words), about `words` words in all."""
    paragraphs, count, number = [], 0, 0
    while count < words:
        paragraph = []
        for _ in range(rng.randint(3, 6)):
            length = rng.randint(10, 20)
            sentence = [f"{tag}{number}", *(rng.choice(vocabulary) for _ in range(length - 1))]
            number += 1
            paragraph.append(sentence)
            count += length
        paragraphs.append(paragraph)
    return paragraphs


def _text(paragraphs: list[list[str]]) -> str:
    return "\n".join(" ".join(" ".join(sentence).capitalize() + "." for sentence in p) for p in paragraphs)


def run_once(*, words: int, verdicts: int, seed: int) -> dict:
    from bench_users import users

    from annotations import services
    from annotations.models import Action, AnnotationEvent

    reviewer, editor = users()
    rng = random.Random(seed)
    vocabulary = _words(rng)
    tag = f"r{seed}x{time.time_ns()}n"
    paragraphs = _article(rng, vocabulary, words, tag)
    body = _text(paragraphs)
    article = services.article_import(title=f"Re-anchoring bench {tag}", body=body, imported_by=reviewer)
    sentences = list(article.sentences.order_by("index"))
    for number in range(verdicts):
        sentence = sentences[number * len(sentences) // verdicts]
        text = body[sentence.start : sentence.end]
        if number % 2:  # a phrase inside the sentence: its 3rd to 7th words
            offsets = [i for i, ch in enumerate(text) if ch == " "]
            start, end = sentence.start + offsets[1] + 1, sentence.start + offsets[6]
        else:
            start, end = sentence.start, sentence.end
        verdict = services.annotation_create(
            article=article, author=reviewer, start=start, end=end, quote=body[start:end], status="alleged"
        )
        if number % 10 == 0:
            verdict = services.annotation_submit(annotation=verdict, actor=reviewer, version=verdict.version)
            services.annotation_approve(annotation=verdict, editor=editor, version=verdict.version)
    corrected = [[list(sentence) for sentence in paragraph] for paragraph in paragraphs]
    number = 0
    for paragraph in corrected:
        for index, sentence in enumerate(paragraph):
            if number % 10 == 3:
                sentence[4] = rng.choice(vocabulary)
            if number % 50 == 7:
                paragraph[index] = []
            number += 1
    corrected = [[s for s in p if s] for p in corrected]
    corrected.insert(0, [["Correction", "appended", "on", "the", "day", "after", "publication"]])
    corrected.insert(len(corrected) // 2, [["A", "paragraph", "added", "in", "the", "middle", "by", "the", "desk"]])
    new_body = _text([p for p in corrected if p])

    began = time.perf_counter()
    report = services.article_version_create(article=article, actor=editor, body=new_body)
    seconds = time.perf_counter() - began

    outcomes = [item.outcome for item in report.items]
    events = AnnotationEvent.objects.filter(annotation__article=article, action=Action.REANCHOR).count()
    return {
        "seconds": round(seconds, 3),
        "words": len(body.split()),
        "verdicts": len(outcomes),
        "exact": outcomes.count("exact"),
        "fuzzy": outcomes.count("fuzzy"),
        "orphaned": outcomes.count("orphaned"),
        "events": events,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--verdicts", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    djangoenv.setup()
    runs = [run_once(words=args.words, verdicts=args.verdicts, seed=seed) for seed in range(args.runs)]
    seconds = [run["seconds"] for run in runs]
    print(json.dumps({"runs_seconds": seconds, "median_seconds": statistics.median(seconds), "last": runs[-1]}))


if __name__ == "__main__":
    main()

"""Sentence segmentation time, in process: annotations.segmentation.split_sentences on three bodies.

    python bench/segment.py

- a single paragraph of FACTCHECK_MAX_ARTICLE_BYTES (1 MB) made of one short sentence repeated;
- a single paragraph of the same size without any punctuation (no sentence boundary at all);
- the demo article, 200 times, one call each (about 3,500 characters in 14 paragraphs).

Prints one JSON object of wall seconds. A measurement that runs longer than TIME_CAP_SECONDS is
stopped and reported as null: pysbd's time grows with the square of what it is given at once.
"""

import json
import signal
import sys
import time

import djangoenv

SENTENCE = "Lock demo sentence number x is here. "
DEMO_COPIES = 200
TIME_CAP_SECONDS = 120


class TimeCapExceeded(Exception):
    pass


def _stop(signum, frame):
    raise TimeCapExceeded


def timed(bodies: list[str], language: str = "en") -> float | None:
    from annotations.segmentation import split_sentences

    signal.signal(signal.SIGALRM, _stop)
    signal.alarm(TIME_CAP_SECONDS)
    began = time.perf_counter()
    try:
        for body in bodies:
            split_sentences(body, language)
    except TimeCapExceeded:
        print(f"bench/segment.py: stopped after {TIME_CAP_SECONDS} s", file=sys.stderr)
        return None
    finally:
        signal.alarm(0)
    return round(time.perf_counter() - began, 2)


def segment_stats() -> dict:
    from django.conf import settings

    from annotations.segmentation import normalize_text

    size = settings.FACTCHECK_MAX_ARTICLE_BYTES
    paragraph = (SENTENCE * (size // len(SENTENCE) + 1))[:size]
    no_punctuation = paragraph.replace(".", " ")
    demo = normalize_text((djangoenv.ROOT / "annotations" / "demo_data" / "huawei-pakistan.txt").read_text("utf-8"))
    return {
        "segment_1mb_paragraph_s": timed([paragraph]),
        "segment_1mb_no_punctuation_s": timed([no_punctuation]),
        "segment_demo_x200_s": timed([demo] * DEMO_COPIES),
    }


def main() -> None:
    djangoenv.setup()
    json.dump(segment_stats(), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

"""How alike two claims are, in words: pure (no ORM), for "Checked before" (selectors.similar_verdicts).

A claim restated elsewhere keeps its content words but changes their order, swaps some for
synonyms, spells a name another way ("Hua Wei") or writes a number in words ("two thousand and
nineteen"). `claim_words` reduces a text to its content words in one spelling: casefolded, numbers
written in words as digits, known variants joined, a few inflections cut, function words left out.
`similarity` compares those word lists with rapidfuzz. The full-text search in db.py finds the
candidates; this decides their order and which are close enough to show (FACTCHECK_SIMILAR_FLOOR).
"""

from functools import lru_cache
import re

from rapidfuzz import fuzz

# Below this, a verdict is not shown: unrelated claims on the same topic score about 0.4 to 0.55
# (tests/similar_corpus.py), restatements 0.65 and up.
SIMILAR_FLOOR = 0.6

# Spellings of one name or term, written as one word before comparing (both sides).
VARIANTS = {
    "hua wei": "huawei",
    "huawei technologies": "huawei",
    "wi fi": "wifi",
    "wi-fi": "wifi",
    "u s": "us",
    "united states": "us",
    "closed circuit television": "cctv",
    "closed-circuit television": "cctv",
    "safe city": "safe cities",
    "business efficiency solutions": "bes",
    "back door": "backdoor",
    "back-door": "backdoor",
}

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}

# Function words carry no claim; left out, they neither find nor rank a verdict.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours out over own s same
    she should so some such t than that the their theirs them themselves then there these they this
    those through to too under until up very was we were what when where which while who whom why
    will with would you your yours also said says say according reported reports""".split()  # noqa: SIM905
)

# A few English endings, cut so that "alleging"/"alleged" and "claims"/"claimed" meet.
ENDINGS = ("ations", "ation", "ings", "ing", "edly", "ed", "es", "s")


def _number_words(words: list[str]) -> list[str]:
    """Runs of number words as one number in digits: "two thousand and nineteen" and "twenty
    nineteen" -> "2019", "eight thousand" -> "8000", "twelve" -> "12"."""
    out: list[str] = []
    index = 0
    while index < len(words):
        run: list[str] = []
        end = index
        while end < len(words):
            word = words[end]
            # "and" only inside a number: "one hundred and five", "two thousand and nineteen".
            joins = word == "and" and run and run[-1] in SCALES and end + 1 < len(words)
            joins = joins and _is_number_word(words[end + 1])
            if word in UNITS or word in TENS or word in SCALES or joins:
                run.append(word)
                end += 1
            else:
                break
        if not run or run == ["and"]:
            out.append(words[index])
            index += 1
            continue
        out.append(str(_run_value([word for word in run if word != "and"])))
        index = end
    return out


def _is_number_word(word: str) -> bool:
    return word in UNITS or word in TENS


def _run_value(run: list[str]) -> int:
    if not any(word in SCALES for word in run):
        # Without "hundred" or "thousand": "twenty one" is 21; two pairs are a year ("nineteen
        # eighty four": 1984, "twenty twenty": 2020); anything else is read digit group by group.
        groups: list[int] = []
        for word in run:
            if word in UNITS and groups and groups[-1] % 10 == 0 and 20 <= groups[-1] <= 90 and UNITS[word] < 10:
                groups[-1] += UNITS[word]
            else:
                groups.append(UNITS.get(word, TENS.get(word, 0)))
        if len(groups) == 2 and all(10 <= group <= 99 for group in groups):
            return groups[0] * 100 + groups[1]
        return int("".join(str(group) for group in groups))
    total = current = 0
    for word in run:
        if word in SCALES:
            scale = SCALES[word]
            current = max(current, 1)
            if scale == 100:
                current *= 100
            else:
                total += current * scale
                current = 0
        else:
            current += UNITS.get(word, TENS.get(word, 0))
    return total + current


def _stem(word: str) -> str:
    if word.isdigit() or len(word) <= 4:
        return word
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def _canonical_words(text: str) -> list[str]:
    """The words of `text` casefolded, with known variants joined and numbers in digits."""
    lowered = " ".join(re.findall(r"[^\W_]+", text.casefold()))
    for variant, canonical in VARIANTS.items():
        lowered = re.sub(rf"\b{re.escape(' '.join(re.findall(r'[^\W_]+', variant)))}\b", canonical, lowered)
    return _number_words(lowered.split())


@lru_cache(maxsize=4096)
def claim_words(text: str) -> tuple[str, ...]:
    """The content words of a claim, in order, in one spelling (see the module's docstring)."""
    return tuple(_stem(word) for word in _canonical_words(text) if word not in STOP_WORDS)


def query_words(text: str, *, limit: int = 32) -> list[str]:
    """The words the full-text search looks for, any of them: the content words as typed, then
    the canonical spellings and digits (a "Hua Wei" query also looks for "huawei"), at most
    `limit`, each once."""
    typed = [word.casefold() for word in re.findall(r"[^\W_]+", text[:5000])]
    found: dict[str, None] = {}
    for word in [*typed, *_canonical_words(text[:5000])]:
        if word not in STOP_WORDS and len(found) < limit:
            found.setdefault(word[:100])
    return list(found)


def similarity(text: str, *others: str) -> float:
    """How alike `text` and the closest of `others` are, from 0 to 1: the mean of rapidfuzz's
    token set ratio (shared words, whatever the order and the extra words) and token sort ratio
    (the words in alphabetical order, so extra words count against it), on claim_words."""
    mine = " ".join(claim_words(text))
    if not mine:
        return 0.0
    best = 0.0
    for other in others:
        theirs = " ".join(claim_words(other))
        if not theirs:
            continue
        score = (fuzz.token_set_ratio(mine, theirs) + fuzz.token_sort_ratio(mine, theirs)) / 200
        best = max(best, score)
    return round(best, 4)

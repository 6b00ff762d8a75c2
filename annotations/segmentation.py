"""Text normalisation and sentence segmentation. Pure functions, no ORM.

Offsets are Unicode code points of the normalised body (Python string
indices), end exclusive. A paragraph is one line of the body; no sentence
crosses a line break.

pysbd's time grows with the square of the text it is given at once: it
rewrites the whole text once for every word that starts like one of its
abbreviations, and looks for every sentence it found from the start of the
text. So it is never given more than MAX_PIECE_CHARS at once. A paragraph
up to that length goes to pysbd whole, as it always has. A longer one goes
in pieces of that length: from each piece, the sentences are kept up to a
boundary that pysbd found there, with RIGHT_CONTEXT_CHARS of the piece
after it (pysbd looks a word or two past a full stop) and, where there is
a choice, outside quotations and brackets (pysbd does not split inside a
quotation, but cannot see that a piece ends in the middle of one); the
next piece starts there. On ordinary prose the sentences are the same as
pysbd's on the whole paragraph. Where pysbd finds no boundary in a whole
piece, the sentence is cut at the piece's last space: no sentence is
longer than MAX_PIECE_CHARS.
"""

from bisect import bisect_right
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
import multiprocessing
import os
import re
import unicodedata

import pysbd
from pysbd.abbreviation_replacer import AbbreviationReplacer
from pysbd.languages import LANGUAGE_CODES

FALLBACK_LANGUAGE = "en"
# pysbd is cheapest per character on pieces of about this size (its cost per sentence grows with
# the piece's length), and ordinary paragraphs are shorter: they keep going to pysbd whole.
MAX_PIECE_CHARS = 1_000
RIGHT_CONTEXT_CHARS = 60


@dataclass(frozen=True, slots=True)
class SentenceSpan:
    index: int
    paragraph: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of a paragraph given to pysbd, and the sentences kept from it (paragraph offsets)."""

    start: int
    end: int
    sentences: tuple[tuple[int, int], ...]


def normalize_text(text: str) -> str:
    """Unicode NFC and `\\n` line endings; nothing else is changed."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


# Characters that show nothing: controls, format characters (bidi marks, zero-width spaces),
# separators, and combining marks with no base.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})


def has_visible_text(text: str) -> bool:
    """Whether the text shows anything: an article of bidi marks and spaces is empty to a reader."""
    return any(unicodedata.category(character) not in INVISIBLE_CATEGORIES for character in text)


def segmenter_language(language: str) -> str:
    """The pysbd language used for an article language such as `ur` or `pt-BR`."""
    code = language.split("-")[0].lower()
    return code if code in LANGUAGE_CODES else FALLBACK_LANGUAGE


@lru_cache(maxsize=32)
def _segmenter(language: str) -> pysbd.Segmenter:
    segmenter = pysbd.Segmenter(language=language, clean=False)
    segmenter.language_module = _with_abbreviation_filter(segmenter.language_module)
    return segmenter


# --- pysbd's abbreviations, only those that can matter ---------------------------------------------
# For every paragraph, pysbd goes through its whole list of abbreviations (about 200 in English)
# and, for each one found at the start of a word, rewrites the whole paragraph once per
# occurrence: about half of its time on ordinary prose. A rewrite only ever replaces the full
# stop right after the abbreviation ("Gen." in "Gen. Bajwa"), so an abbreviation that is nowhere
# followed by a full stop changes nothing, and is left out of the list pysbd goes through. The
# sentences are the same (tests/test_segmentation_speed.py compares with pysbd's own list).
#
# The check is exact for abbreviations made of ASCII letters: pysbd matches them ignoring case,
# and a regular expression that ignores case also takes these three letters for ASCII ones.
RE_IGNORECASE_ASCII = {0x130: "i", 0x131: "i", 0x17F: "s"}  # İ, ı, ſ
_ASCII_LETTERS = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=32)
def _with_abbreviation_filter(language_module: type) -> type:
    """pysbd's language, whose abbreviation pass skips the abbreviations no full stop follows.

    Languages with their own abbreviation pass (pysbd's Chinese, German, Japanese, Kazakh)
    are returned unchanged.
    """
    base = getattr(language_module, "AbbreviationReplacer", AbbreviationReplacer)
    search = AbbreviationReplacer.search_for_abbreviations_in_string
    if base.search_for_abbreviations_in_string is not search or base.replace is not AbbreviationReplacer.replace:
        return language_module
    listed = language_module.Abbreviation.ABBREVIATIONS
    # (abbreviation, the word that must stand before a full stop for it to matter, or None: always kept)
    checks = tuple(
        (abbreviation, abbreviation.strip().lower() if _ASCII_LETTERS.fullmatch(abbreviation.strip()) else None)
        for abbreviation in listed
    )

    class Replacer(base):
        def search_for_abbreviations_in_string(self, text):
            words = _words_before_full_stops(text)
            kept = [abbreviation for abbreviation, word in checks if word is None or word in words]
            language = self.lang
            self.lang = _LanguageWith(language, kept)
            try:
                return search(self, text)
            finally:
                self.lang = language

    return type(language_module.__name__, (language_module,), {"AbbreviationReplacer": Replacer})


# A word of ASCII letters after a space (or at the start) and right before a full stop: pysbd
# rewrites a full stop only there (its patterns are `\s` + abbreviation + `.`, after prefixing
# the text with a space).
_WORD_BEFORE_FULL_STOP = re.compile(r"(?<!\S)([a-z]+)\.")


def _words_before_full_stops(text: str) -> set[str]:
    if "İ" in text or "ı" in text or "ſ" in text:
        text = text.translate(RE_IGNORECASE_ASCII)
    return set(_WORD_BEFORE_FULL_STOP.findall(text.lower()))


class _LanguageWith:
    """A pysbd language seen through one abbreviation pass: the same, with fewer abbreviations."""

    def __init__(self, language: type, abbreviations: list[str]):
        self._language = language
        self.Abbreviation = _AbbreviationsWith(language.Abbreviation, abbreviations)

    def __getattr__(self, name):
        return getattr(self._language, name)


class _AbbreviationsWith:
    def __init__(self, abbreviation: type, abbreviations: list[str]):
        self._abbreviation = abbreviation
        self.ABBREVIATIONS = abbreviations

    def __getattr__(self, name):
        return getattr(self._abbreviation, name)


def iter_paragraphs(body: str):
    """Yield (start, line) for every line of the body that holds text."""
    position = 0
    for line in body.split("\n"):
        if line.strip():
            yield position, line
        position += len(line) + 1


def pysbd_segment(segmenter: pysbd.Segmenter, text: str) -> list[str]:
    r"""What `segmenter.segment(text)` returns (clean=False, char_span=False): pysbd's sentences as
    they stand in the text, each with the whitespace after it.

    pysbd finds each sentence in the text with a regular expression made for that sentence
    (`re.escape(sentence) + r"\s*"`, compiled anew each time) before it returns it: about a sixth
    of its time. The same search, done with str.find: each sentence's first non-overlapping
    occurrence, widened over the whitespace after it (`\s` is str.isspace), that ends past the
    previous one; a sentence found nowhere is left out, as pysbd leaves it out.
    """
    if segmenter.clean or segmenter.char_span or segmenter.doc_type == "pdf":
        return segmenter.segment(text)
    if not text:
        return []
    sentences = segmenter.processor(text).process()
    if not all(sentences):  # an empty pattern matches everywhere: pysbd's own way
        segmenter.original_text = text
        return [span.sent for span in segmenter.sentences_with_char_spans(sentences)]
    found: list[str] = []
    prior_end = 0
    for sentence in sentences:
        position = 0
        while (start := text.find(sentence, position)) >= 0:
            end = start + len(sentence)
            while end < len(text) and text[end].isspace():
                end += 1
            if end > prior_end:
                found.append(text[start:end])
                prior_end = end
                break
            position = end
    return found


def _pysbd_sentences(segmenter: pysbd.Segmenter, text: str) -> list[tuple[int, int]]:
    """Trimmed (start, end) of each sentence pysbd finds in `text`.

    pysbd returns the sentence strings; their offsets are found by searching
    forward from the previous sentence, which is exact because pysbd with
    `clean=False` returns substrings of its input in order.
    """
    sentences: list[tuple[int, int]] = []
    cursor = 0
    for piece in pysbd_segment(segmenter, text):
        sentence = piece.strip()
        if not sentence:
            continue
        found = text.find(sentence, cursor)
        if found < 0:  # pragma: no cover - pysbd altered its input; keep the rest whole.
            found = cursor
            sentence = text[cursor:].strip()
        sentences.append((found, found + len(sentence)))
        cursor = found + len(sentence)
    rest = text[cursor:].strip()
    if rest:  # Text pysbd dropped (should not happen): keep it as a sentence.
        found = text.find(rest, cursor)
        sentences.append((found, found + len(rest)))
    return sentences


# The marks between which pysbd hides sentence punctuation (its BetweenPunctuation rules).
_QUOTE_MARKS = re.compile(r"[\"“”«»()\[\]‘’']")
_OPENERS = {"”": "“", "»": "«", "]": "[", ")": "("}
# What pysbd may take for the number of an item in a list: "2. ", "b) ", "(iv) ".
_LIST_ITEM = re.compile(r"\s*\(?(?:\d{1,2}|[a-zA-Z]|[ivxIVX]+)[.)]\s")


def _quoted_stretches(line: str) -> tuple[list[int], list[int]]:
    """Starts and ends (inclusive) of the quotations and brackets of a paragraph, merged, in order.

    How pysbd pairs the marks, read left to right: straight double quotes in pairs; “, «
    and [ up to the next closing mark; ( up to the next ) with no ( between; a single quote,
    straight or curly, after a space up to the next one not followed by a letter (so that
    apostrophes do not close it).
    """
    stretches: list[tuple[int, int]] = []
    opened: dict[str, int] = {}
    for match in _QUOTE_MARKS.finditer(line):
        mark, position = match.group(), match.start()
        if mark == '"':
            if '"' in opened:
                stretches.append((opened.pop('"'), position))
            else:
                opened['"'] = position
        elif mark in "“«[(":
            if mark == "(" or mark not in opened:
                opened[mark] = position
        elif mark in _OPENERS:
            if _OPENERS[mark] in opened:
                stretches.append((opened.pop(_OPENERS[mark]), position))
        else:
            kind = "'" if mark == "'" else "‘"
            after = line[position + 1 : position + 2]
            if kind in opened and mark != "‘" and not (after.isascii() and after.isalpha()):
                stretches.append((opened.pop(kind), position))
            elif kind not in opened and mark != "’" and position > 0 and line[position - 1].isspace():
                opened[kind] = position
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(stretches):
        if starts and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _last_space(line: str, low: int, high: int) -> int | None:
    """The position of the last whitespace character in line[low:high], if any."""
    for position in range(high - 1, low - 1, -1):
        if line[position].isspace():
            return position
    return None


def _kept_end(
    line: str, sentences: list[tuple[int, int]], piece_start: int, piece_end: int, quoted: tuple[list[int], list[int]]
) -> int | None:
    """Where the sentences kept from a piece end, or None when pysbd found no boundary to end them at.

    The boundary is the last one that has RIGHT_CONTEXT_CHARS after it in the piece, is outside
    quotations and is not followed by a list item's number (pysbd reads "2." as a list item
    only when it also sees "1."); failing that, the last one with that context; failing that,
    the last one. It is a quarter of a piece past the piece's start at least, so that every
    piece moves the work on by that much and the time stays proportional to the paragraph's
    length.
    """
    starts, ends = quoted
    earliest = piece_start + MAX_PIECE_CHARS // 4
    latest = piece_end - RIGHT_CONTEXT_CHARS
    # The last sentence may be cut short by the piece's end: its end is no boundary.
    boundaries = [end for _, end in sentences[:-1] if end >= earliest]

    def quoted_at(position: int) -> bool:
        stretch = bisect_right(starts, position - 1) - 1
        return stretch >= 0 and position <= ends[stretch]

    for candidates in (
        [end for end in boundaries if end <= latest and not quoted_at(end) and not _LIST_ITEM.match(line, end)],
        [end for end in boundaries if end <= latest],
        boundaries,
    ):
        if candidates:
            return candidates[-1]
    return None


def paragraph_pieces(line: str, language: str = "en") -> list[Piece]:
    """The pieces in which split_sentences gives a paragraph (one line of the body) to pysbd."""
    return list(_pieces(line, _segmenter(segmenter_language(language))))


def _pieces(line: str, segmenter: pysbd.Segmenter) -> Iterator[Piece]:
    if len(line) <= MAX_PIECE_CHARS:
        yield Piece(0, len(line), tuple(_pysbd_sentences(segmenter, line)))
        return
    quoted = _quoted_stretches(line)
    start = 0
    while start < len(line):
        end = min(start + MAX_PIECE_CHARS, len(line))
        found = [(start + first, start + last) for first, last in _pysbd_sentences(segmenter, line[start:end])]
        if end == len(line):
            yield Piece(start, end, tuple(found))
            return
        kept_end = _kept_end(line, found, start, end, quoted)
        if kept_end is not None:
            kept = tuple(sentence for sentence in found if sentence[1] <= kept_end)
        else:
            # A sentence runs on past the piece: keep the ones before it, and it up to the
            # piece's last space (past the piece's middle), or else up to the piece's end.
            kept = tuple(found[:-1])
            run_start = kept[-1][1] if kept else start
            space = _last_space(line, start + MAX_PIECE_CHARS // 2, end)
            kept_end = end if space is None else space
            run = line[run_start:kept_end]
            if run.strip():
                first = run_start + len(run) - len(run.lstrip())
                kept += ((first, first + len(run.strip())),)
        yield Piece(start, end, kept)
        start = kept_end


def split_sentences(body: str, language: str = "en") -> list[SentenceSpan]:
    """Split a normalised body into trimmed sentence spans, consecutively numbered."""
    segmenter = _segmenter(segmenter_language(language))
    spans: list[SentenceSpan] = []
    for paragraph, (line_start, line) in enumerate(iter_paragraphs(body)):
        for piece in _pieces(line, segmenter):
            for start, end in piece.sentences:
                spans.append(SentenceSpan(len(spans), paragraph, line_start + start, line_start + end))
    return spans


Splitter = Callable[[list[tuple[str, str]]], Iterator[list[SentenceSpan]]]


@contextmanager
def sentence_splitter(processes: int) -> Iterator[Splitter]:
    """split_sentences for many (body, language) pairs, in `processes` processes side by side.

    The splitter yields each body's spans in order, as soon as they are ready: the caller can
    store the first articles while the processes split the next ones. The processes come from a
    fork server (pysbd already loaded), run at a lower priority than the desk's requests, and
    live as long as the `with` block. One process (or fewer): in this one, as the caller asks.
    """
    if processes <= 1:
        yield lambda bodies: (split_sentences(body, language) for body, language in bodies)
        return
    with ProcessPoolExecutor(processes, mp_context=_fork_server(), initializer=_lower_priority) as pool:
        yield lambda bodies: pool.map(_split_pair, bodies, chunksize=SPLIT_CHUNK)


@cache
def _fork_server() -> multiprocessing.context.BaseContext:
    """Processes forked from a server process that has loaded this module and pysbd, started once per
    process that asks: forking the asking process itself (a web or task worker, with threads of its
    own, such as the pool's) could copy a lock that a thread holds."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


# Bodies a process splits per round trip: few, so that the first results come back early.
SPLIT_CHUNK = 4


def _split_pair(pair: tuple[str, str]) -> list[SentenceSpan]:
    return split_sentences(*pair)


def _lower_priority() -> None:
    os.nice(5)

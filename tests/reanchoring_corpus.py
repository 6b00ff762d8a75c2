"""The re-anchoring corpus: pairs of article versions and the expected outcome of every verdict.

Each case has an old body, a new body and verdicts on the old one: the quote (and which of its
occurrences, from 0), the outcome expected on the new body, and the quote expected there (None for
an orphan). tests/test_anchoring.py runs the pure engine over it; tests/test_versions.py runs the
whole service on SQLite and PostgreSQL. Every case of issue 16's "Done when" is here, plus the
traps around them (a paragraph duplicated so that context cannot decide, a line break inside a quote).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    quote: str
    outcome: str
    new_quote: str | None
    occurrence: int = 0  # which occurrence of the quote in the old body, from 0
    new_occurrence: int | None = None  # which one in the new body (None: the same number)


@dataclass(frozen=True)
class Case:
    name: str
    old: str
    new: str
    verdicts: tuple[Verdict, ...]


LEAD = (
    "The Safe City project in Lahore was launched in 2016 with cameras at every major junction.\n"
    "A consultancy claimed that the system had sent data abroad for two years. "
    "The authority denied the claim in a short statement on Friday.\n"
    "Officials said the contract was worth two billion rupees. The ministry recieved 40 complaints in March.\n"
)

CASES = (
    Case(
        name="paragraph inserted before",
        old=LEAD,
        new="Update: this story was corrected on 3 December to add the authority's full response.\n" + LEAD,
        verdicts=(
            Verdict(
                "A consultancy claimed that the system had sent data abroad for two years.",
                "exact",
                "A consultancy claimed that the system had sent data abroad for two years.",
            ),
            Verdict("two billion rupees", "exact", "two billion rupees"),
        ),
    ),
    Case(
        name="typo fixed inside a quote",
        old=LEAD,
        new=LEAD.replace("recieved", "received"),
        verdicts=(
            Verdict(
                "The ministry recieved 40 complaints in March.",
                "fuzzy",
                "The ministry received 40 complaints in March.",
            ),
            Verdict(
                "The authority denied the claim in a short statement on Friday.",
                "exact",
                "The authority denied the claim in a short statement on Friday.",
            ),
        ),
    ),
    Case(
        name="typo fixed next to a rewritten sentence",
        old=LEAD,
        new=LEAD.replace("recieved", "received").replace(
            "Officials said the contract was worth two billion rupees.",
            "No price for the deal has ever been made public, according to court records.",
        ),
        verdicts=(
            Verdict(
                "The ministry recieved 40 complaints in March.",
                "fuzzy",
                "The ministry received 40 complaints in March.",
            ),
            Verdict("Officials said the contract was worth two billion rupees.", "orphaned", None),
        ),
    ),
    Case(
        name="quoted sentence deleted",
        old=LEAD,
        new=LEAD.replace("Officials said the contract was worth two billion rupees. ", ""),
        verdicts=(
            Verdict("Officials said the contract was worth two billion rupees.", "orphaned", None),
            Verdict(
                "The ministry recieved 40 complaints in March.",
                "exact",
                "The ministry recieved 40 complaints in March.",
            ),
        ),
    ),
    Case(
        name="quote twice, context decides",
        old=(
            "In March the police said: the cameras were switched off. Nobody was charged.\n"
            "In May, the interior ministry told reporters: the cameras were switched off. An inquiry followed.\n"
        ),
        # A third occurrence now comes first: only the context tells the two old ones apart.
        new=(
            "Earlier, a witness said: the cameras were switched off. Nobody listened.\n"
            "In March the police said: the cameras were switched off. Nobody was charged.\n"
            "In May, the interior ministry told reporters: the cameras were switched off. An inquiry followed.\n"
        ),
        verdicts=(
            Verdict("the cameras were switched off.", "exact", "the cameras were switched off.", 0, 1),
            Verdict("the cameras were switched off.", "exact", "the cameras were switched off.", 1, 2),
        ),
    ),
    Case(
        name="quote twice, one context changed",
        old=(
            "In March the police said: the cameras were switched off. Nobody was charged.\n"
            "In May, the interior ministry told reporters: the cameras were switched off. An inquiry followed.\n"
        ),
        # The first one's suffix changed: not exact (its context differs), but the best place by far.
        new=(
            "In March the police said: the cameras were switched off. Nobody was charged.\n"
            "A paragraph added between the two.\n"
            "In May, the interior ministry told reporters: the cameras were switched off. An inquiry followed.\n"
        ),
        verdicts=(
            Verdict("the cameras were switched off.", "fuzzy", "the cameras were switched off.", 0),
            Verdict("the cameras were switched off.", "exact", "the cameras were switched off.", 1),
        ),
    ),
    Case(
        name="quote twice, context cannot decide",
        old=(
            "Intro line.\n"
            "In the old city, witnesses in the market said the cameras recorded everything that day, "
            "as they always do on market days.\n"
            "The end.\n"
        ),
        new=(
            "Intro line.\n"
            "In the old city, witnesses in the market said the cameras recorded everything that day, "
            "as they always do on market days.\n"
            "In the old city, witnesses in the market said the cameras recorded everything that day, "
            "as they always do on market days.\n"
            "The end.\n"
        ),
        verdicts=(Verdict("the cameras recorded everything", "orphaned", None),),
    ),
    Case(
        name="whitespace and line breaks changed",
        old=(
            "The report  was published in April.  It named three firms.\n"
            "Each firm denied wrongdoing. The regulator opened a case against all three of them.\n"
        ),
        new=(
            "The report was published in April.\n\n"
            "It named three firms.\n\n"
            "Each firm denied wrongdoing. The regulator opened a case against\nall three of them.\n"
        ),
        verdicts=(
            Verdict("The report  was published in April.", "fuzzy", "The report was published in April."),
            Verdict("It named three firms.", "exact", "It named three firms."),
            Verdict("Each firm denied wrongdoing.", "exact", "Each firm denied wrongdoing."),
            # A line break now inside the quote: a verdict stays within one paragraph.
            Verdict("The regulator opened a case against all three of them.", "orphaned", None),
        ),
    ),
    Case(
        name="emoji added before the quote",
        old="Breaking: the minister resigned on Tuesday after the audit was leaked.\n",
        new="Breaking 🚨: the minister resigned on Tuesday after the audit was leaked.\n",
        verdicts=(
            Verdict(
                "the minister resigned on Tuesday",
                "exact",
                "the minister resigned on Tuesday",
            ),
        ),
    ),
    Case(
        name="sentence rewritten beyond recognition",
        old=LEAD,
        new=LEAD.replace(
            "Officials said the contract was worth two billion rupees.",
            "No price for the deal has ever been made public, according to court records.",
        ),
        verdicts=(Verdict("Officials said the contract was worth two billion rupees.", "orphaned", None),),
    ),
)


def demo_correction(seed_text: str) -> str:
    """A correction of the demo article (annotations/demo_data) for the browser tests and the
    screenshots: a correction note on top; in the approved phrase "firm" becomes "company" (fuzzy:
    back to the queue); the sentence of the "denied" verdict is rewritten (orphaned)."""
    corrected = seed_text.replace(
        "alleging the Chinese telecom firm stole its trade secrets",
        "alleging the Chinese telecom company stole its trade secrets",
    ).replace(
        "Last year, during the Trump administration, US authorities claimed that Huawei can covertly access "
        "its telecom equipment.",
        "Washington has since placed the company on a trade blacklist, citing national security.",
    )
    assert corrected.count("Washington has since") == 1 and "telecom company stole" in corrected
    note = "Correction: an earlier version of this story misdescribed Huawei as a firm under US sanctions."
    return note + "\n" + corrected

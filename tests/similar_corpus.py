# ruff: noqa: E501  (one claim a line reads better than a claim cut in three)
"""A labelled set for "Checked before" (selectors.similar_verdicts): claims checked in earlier
articles, the same claims restated in other words in new ones, and distractors on the same topics.

Each earlier article is a paragraph of claims; every claim (and every distractor) gets a verdict.
A pair is (restated text, key of the claim it restates, what changed); recall@5 is the share of
pairs whose claim's verdict is among the first five results. 25 pairs restate a claim keeping
some of its content words; 8 are heavy paraphrases that share almost none, to show where
matching by words stops. NEGATIVES restate nothing that was
checked: they must find nothing above the floor.
"""

# key -> the claim as the earlier article wrote it; grouped into articles of four.
CLAIMS = {
    "trade-secrets": "The consultancy has sued Huawei alleging the Chinese telecom firm stole its trade secrets.",
    "filed-santa-ana": "The complaint was filed on Wednesday in the US District Court in Santa Ana, California.",
    "bes-2016": "Business Efficiency Solutions began working with Huawei Technologies in 2016 to overhaul the police IT systems in Lahore.",
    "backdoor-des": "Huawei used the Data Exchange System to create a backdoor and obtain data important to Pakistan's national security.",
    "psca-initiative": "The project was part of an initiative formulated by the Punjab Safe Cities Authority, a provincial government body.",
    "proposals": "Authorities in Pakistan invited Motorola, Nokia and Huawei to submit proposals.",
    "low-level-designs": "Huawei robbed BES's low-level designs and then refused to pay BES.",
    "gulf-contracts": "Huawei sought similar police modernization contracts in Qatar, Dubai and Saudi Arabia without BES.",
    "suzhou-copy": "A duplicate of the PSCA's data exchange system runs on servers in a Huawei facility in Suzhou, China.",
    "terminate-agreements": "After being sued, Huawei threatened to terminate the agreements and withhold all payments owed to BES.",
    "covert-access": "US authorities claimed that Huawei can covertly access its telecom equipment.",
    "wifi-cards": "The PSCA told Huawei to remove Wi-Fi cards from a CCTV system in Pakistan in 2019.",
    "misunderstanding": "Huawei later presented the Wi-Fi cards episode as a misunderstanding.",
    "camera-count": "Lahore's safe city project installed 8000 cameras across the city.",
    "fine-2020": "The regulator fined the operator 3 million rupees in 2020 for data breaches.",
    "outage-hours": "The emergency line was down for 12 hours after the system update.",
    "minister-resign": "The interior minister resigned over the surveillance contract.",
    "budget-double": "The provincial government doubled the police technology budget last year.",
    "citizens-data": "Personal data of millions of Pakistani citizens was copied to servers abroad.",
    "court-hearing": "The first hearing in the case is scheduled for March in California.",
    "ban-equipment": "The United States banned the sale of Huawei equipment to government agencies.",
    "five-companies": "Five companies bid for the contract to build the command and control center.",
    "no-evidence": "Evidence that Huawei accessed the equipment has not been made public.",
    "karachi-expansion": "The safe city programme will be extended to Karachi and Islamabad next year.",
}

# Verdicts on claims about the same people and places that no pair restates.
DISTRACTORS = [
    "Huawei is the largest telecom equipment maker in the world.",
    "Nokia opened a new office in Islamabad in 2018.",
    "Pakistan's national security council met on Monday.",
    "The Punjab police recruited two thousand new officers.",
    "Huawei reported record smartphone sales in China.",
    "The court in Santa Ana dismissed an unrelated patent case.",
    "Motorola supplied radios to the Lahore traffic police.",
    "BES is a small consultancy with offices in California.",
    "The BBC has a bureau in Islamabad.",
    "CCTV cameras in Lahore helped solve several robberies.",
    "Saudi Arabia signed a 5G deal with a European vendor.",
    "The Data Exchange System was designed to share records between police stations.",
    "Pakistan's cricket team won the series against Australia.",
    "The authority's chief executive gave an interview on television.",
    "Lahore is the capital of Punjab province.",
    "Qatar hosted the football world cup in 2022.",
]

# (restated text, key, what changed)
PAIRS = [
    (
        "A US consultancy accuses Hua Wei of stealing its trade secrets in a lawsuit.",
        "trade-secrets",
        "entity spelling",
    ),
    (
        "Its trade secrets were stolen by the Chinese telecom firm, the consultancy alleges in its suit against Huawei.",
        "trade-secrets",
        "word order",
    ),
    (
        "The lawsuit was lodged on a Wednesday at the federal court in Santa Ana, California.",
        "filed-santa-ana",
        "synonyms",
    ),
    (
        "In two thousand and sixteen BES started work with Huawei to overhaul Lahore's police IT systems.",
        "bes-2016",
        "number in words",
    ),
    (
        "Hua Wei allegedly built a backdoor through the Data Exchange System to get data vital to Pakistan's national security.",
        "backdoor-des",
        "entity spelling, synonyms",
    ),
    (
        "A provincial body, the Punjab Safe Cities Authority, formulated the initiative the project belonged to.",
        "psca-initiative",
        "word order",
    ),
    (
        "Motorola, Nokia and Huawei were asked by Pakistani authorities to put forward proposals.",
        "proposals",
        "word order, synonyms",
    ),
    ("BES says Huawei stole its low-level designs and then would not pay it.", "low-level-designs", "synonyms"),
    (
        "Without BES, Huawei went after comparable police modernisation deals in Dubai, Qatar and Saudi Arabia.",
        "gulf-contracts",
        "word order, variant spelling",
    ),
    (
        "A copy of the PSCA data exchange system is running on Huawei servers in Suzhou in China.",
        "suzhou-copy",
        "synonyms",
    ),
    (
        "Once sued, Huawei threatened to end its agreements with BES and hold back every payment it owed.",
        "terminate-agreements",
        "synonyms",
    ),
    (
        "Huawei can secretly get into its telecom equipment, American authorities claimed.",
        "covert-access",
        "word order, synonyms",
    ),
    (
        "In two thousand nineteen Punjab's safe city authority ordered Hua Wei to take the Wi-Fi cards out of CCTV cameras in Pakistan.",
        "wifi-cards",
        "number in words, entity spelling",
    ),
    ("Huawei later called the episode with the WiFi cards a misunderstanding.", "misunderstanding", "variant spelling"),
    (
        "Eight thousand cameras were installed across Lahore by the safe city project.",
        "camera-count",
        "number in words",
    ),
    (
        "In twenty twenty the operator was fined three million rupees by the regulator over data breaches.",
        "fine-2020",
        "number in words, word order",
    ),
    ("After the system update the emergency line stayed down for twelve hours.", "outage-hours", "number in words"),
    ("Over the surveillance contract, the interior minister has resigned.", "minister-resign", "word order"),
    ("Last year the provincial government doubled the budget for police technology.", "budget-double", "word order"),
    (
        "Millions of Pakistani citizens had their personal data copied to foreign servers.",
        "citizens-data",
        "synonyms, word order",
    ),
    ("A first hearing is set for March in California.", "court-hearing", "synonyms"),
    (
        "Government agencies in the U.S. may no longer buy Hua Wei equipment after a ban.",
        "ban-equipment",
        "entity spelling, synonyms",
    ),
    ("Five firms bid to build the command and control centre.", "five-companies", "synonyms, variant spelling"),
    ("No evidence that Huawei accessed the equipment has been made public.", "no-evidence", "word order"),
    ("Next year Karachi and Islamabad will get the safe city programme too.", "karachi-expansion", "word order"),
    # Heavy paraphrase: few words in common. Words alone cannot find most of these; they are here so
    # that the figure says where the method stops (test_similar.py names the ones it misses).
    (
        "The Chinese company is accused of pilfering confidential know-how from a Californian consultancy.",
        "trade-secrets",
        "heavy paraphrase",
    ),
    (
        "Washington says the Shenzhen-based vendor has a secret way into the gear it sells.",
        "covert-access",
        "heavy paraphrase",
    ),
    (
        "Pakistani officials had Huawei strip wireless modules from surveillance cameras in twenty nineteen.",
        "wifi-cards",
        "heavy paraphrase, number in words",
    ),
    ("Nothing has been published to show that Huawei got into the equipment.", "no-evidence", "heavy paraphrase"),
    (
        "BES claims its designs were taken by Hua Wei, which then withheld payment.",
        "low-level-designs",
        "heavy paraphrase, entity spelling",
    ),
    ("The case was brought in a federal court in California on Wednesday.", "filed-santa-ana", "heavy paraphrase"),
    ("A mirror of the Punjab data exchange runs in Suzhou on Huawei machines.", "suzhou-copy", "heavy paraphrase"),
    ("The phone line for emergencies failed for half a day after an update.", "outage-hours", "heavy paraphrase"),
]

# Claims nobody checked: nothing should be shown for them.
NEGATIVES = [
    "The weather in Lahore was unusually cold this winter.",
    "A new bakery opened near the university.",
    "The film festival announced its jury on Friday.",
    "Farmers expect a good wheat harvest this spring.",
]


def load(*, author) -> dict[str, object]:
    """The earlier articles, four claims (or distractors) each, one paragraph per claim, and a
    submitted verdict by `author` on every one: {key: verdict}, distractors as "distractor-<n>"."""
    from annotations import services

    from .factories import ArticleFactory

    texts = list(CLAIMS.items()) + [(f"distractor-{n}", text) for n, text in enumerate(DISTRACTORS)]
    verdicts = {}
    for first in range(0, len(texts), 4):
        group = texts[first : first + 4]
        article = ArticleFactory(title=f"Earlier report {first // 4 + 1}", body="\n".join(text for _, text in group))
        for key, text in group:
            start = article.body.index(text)
            verdict = services.annotation_create(
                article=article, author=author, status="alleged", start=start, end=start + len(text), quote=text
            )
            services.annotation_submit(annotation=verdict, actor=author, version=verdict.version)
            verdicts[key] = verdict
    return verdicts


def recall_at_5(*, viewer, verdicts: dict[str, object], exclude_article: int | None = None) -> tuple[float, list]:
    """The share of PAIRS whose claim's verdict is among the first five, and the pairs missed."""
    from annotations import selectors

    missed = []
    for text, key, _ in PAIRS:
        found = selectors.similar_verdicts(viewer=viewer, text=text, exclude_article=exclude_article)
        if verdicts[key].pk not in [annotation.pk for annotation, _ in found[:5]]:
            missed.append((text, key, [(annotation.quote, score) for annotation, score in found]))
    return (len(PAIRS) - len(missed)) / len(PAIRS), missed

"""Sample verdicts on the seed article, one or more of each status, for the DEBUG demo and the screenshots;
and two short demo articles that restate four of those claims in other words, so that "Checked
before" has earlier verdicts to show when a reviewer selects them.

The sources are placeholders on example.org, named as such: the demo must not pass off invented
links as real documents. The two extra articles were written for the demo and say so in their
title, publisher and first line.

And a short demo article in Urdu, with one verdict of each status, for the interface in Urdu: written
for the demo (its title and first line say so), about a fictional town, company and forum.
"""

from pathlib import Path

from . import services
from .models import Annotation, Article
from .segmentation import normalize_text

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
DEMO_PUBLISHER = "factcheck demo"
# file in demo_data -> title; each restates two claims of the seed article that carry demo verdicts.
DEMO_ARTICLES = {
    "demo-lawsuit-retold.txt": "Demo: the Hua Wei lawsuit, retold (written for the demo)",
    "demo-backdoor-claims.txt": "Demo: backdoor claims, restated (written for the demo)",
}
DEMO_URDU_FILE = "demo-ur-chinar-nagar-pipeline.txt"
DEMO_URDU_TITLE = "نمونے کا مضمون: چنار نگر کی نئی پائپ لائن (ڈیمو کے لیے لکھا گیا)"


def _phrase(article: Article, phrase: str) -> dict:
    start = article.body.index(phrase)
    return {"start": start, "end": start + len(phrase), "quote": phrase}


def _sentence(article: Article, index: int) -> dict:
    sentence = article.sentences.get(index=index)
    return {"start": sentence.start, "end": sentence.end, "quote": article.body[sentence.start : sentence.end]}


def create_demo_verdicts(*, article: Article, reviewer, reviewer2, editor=None) -> list[Annotation]:
    """Five verdicts by two reviewers: allegations, a denial, an unverified claim and the evidenced BBC report.

    With an editor, they are taken through review as a newsroom would: two approved (one with the
    editor's own status), one returned for changes, one waiting in the queue, one still a draft.
    """

    def source(slug: str, title: str, publisher: str):
        return services.source_get_or_create(
            url=f"https://example.org/demo/{slug}", title=title, publisher=publisher, created_by=reviewer
        )[0]

    complaint = source(
        "bes-v-huawei-complaint", "Complaint, BES v. Huawei (demo placeholder)", "US District Court, Santa Ana"
    )
    bbc = source(
        "bbc-2019-04-08-wifi-cards", "Report on Wi-Fi cards in PSCA CCTV, 8 April 2019 (demo placeholder)", "BBC"
    )
    denial = source("huawei-statement", "Huawei statement denying covert access (demo placeholder)", "Huawei")
    bes = "Business Efficiency Solutions (BES)"
    link = services.SourceLink
    verdicts = [
        services.annotation_create(
            article=article,
            author=reviewer,
            status="alleged",
            claimant=bes,
            note="The consultancy's claim in its complaint. No court has ruled on it.",
            sources=[link(complaint, "context", "¶ 1")],
            **_phrase(article, "alleging the Chinese telecom firm stole its trade secrets"),
        ),
        services.annotation_create(
            article=article,
            author=reviewer,
            status="alleged",
            claimant=bes,
            note="Quoted from the complaint.\nThe backdoor claim is BES's; the article does not establish it.",
            sources=[link(complaint, "context", "¶ 42")],
            **_sentence(article, 7),
        ),
        services.annotation_create(
            article=article,
            author=reviewer2,
            status="unverified",
            claimant=bes,
            note="The article itself says the evidence has not been made public.",
            **_sentence(article, 18),
        ),
        services.annotation_create(
            article=article,
            author=reviewer2,
            status="denied",
            claimant="US authorities",
            denied_by="Huawei",
            note="Huawei has denied such claims in the past, as the article notes.",
            sources=[link(denial, "denial")],
            **_sentence(article, 20),
        ),
        services.annotation_create(
            article=article,
            author=reviewer,
            status="evidenced",
            claimant="BBC",
            note="The BBC report of 8 April 2019 describes the PSCA's order to remove the Wi-Fi cards.",
            sources=[link(bbc, "supports", "paragraphs 2–4")],
            **_phrase(
                article,
                "in which the PSCA told Huawei to remove Wi-Fi cards from a CCTV system in Pakistan",
            ),
        ),
    ]
    if editor is None:
        return verdicts
    phrase, backdoor, information, covert, bbc_report = verdicts
    for verdict in (phrase, backdoor, information, covert, bbc_report):
        author = verdict.author
        if verdict is not backdoor:
            services.annotation_submit(annotation=verdict, actor=author, version=verdict.version)
            verdict.refresh_from_db()
    services.annotation_approve(annotation=phrase, editor=editor, version=phrase.version)
    services.annotation_approve(
        annotation=bbc_report,
        editor=editor,
        version=bbc_report.version,
        comment="Checked against the BBC report: the order to remove the cards is documented.",
    )
    services.annotation_request_changes(
        annotation=information,
        editor=editor,
        version=information.version,
        comment="Link the complaint as a context source and name the paragraph.",
    )
    for verdict in verdicts:
        verdict.refresh_from_db()
    return verdicts


def create_demo_articles() -> list[Article]:
    """The demo articles that are not stored yet (by their text), imported as any article is.
    Rerun-safe: an article already stored is left as it is."""
    created = []
    for filename, title in DEMO_ARTICLES.items():
        body = normalize_text((DEMO_DATA / filename).read_text(encoding="utf-8"))
        if Article.objects.filter(body_sha256=services.body_sha256(body)).exists():
            continue
        created.append(
            services.article_import(title=title, body=body, language="en", publisher=DEMO_PUBLISHER, imported_by=None)
        )
    return created


def create_urdu_demo_article(*, reviewer=None, reviewer2=None, editor=None) -> Article | None:
    """The Urdu demo article, imported as any article is, or None when it is stored already (rerun-safe:
    it is then left as it is). With the demo reviewers, one verdict of each status on it; with an editor
    as well, taken through review: two approved, one waiting in the queue, one still a draft."""
    body = normalize_text((DEMO_DATA / DEMO_URDU_FILE).read_text(encoding="utf-8"))
    if Article.objects.filter(body_sha256=services.body_sha256(body)).exists():
        return None
    article = services.article_import(
        title=DEMO_URDU_TITLE, body=body, language="ur", publisher=DEMO_PUBLISHER, imported_by=None
    )
    if reviewer is None or reviewer2 is None:
        return article
    budget = services.source_get_or_create(
        url="https://example.org/demo/chinar-nagar-budget",
        title="میونسپل کمیٹی چنار نگر کا منظور شدہ بجٹ (ڈیمو کا فرضی حوالہ)",
        publisher="میونسپل کمیٹی چنار نگر (فرضی)",
        created_by=reviewer,
    )[0]
    forum = "شہری حقوق فورم"
    evidenced = services.annotation_create(
        article=article,
        author=reviewer,
        status="evidenced",
        claimant="میونسپل کمیٹی چنار نگر",
        note="بجٹ کی دستاویز میں منصوبے کی لاگت بارہ کروڑ روپے درج ہے۔",
        sources=[services.SourceLink(budget, "supports", "ترقیاتی منصوبے، صفحہ ۱۴")],
        **_sentence(article, 2),
    )
    alleged = services.annotation_create(
        article=article,
        author=reviewer,
        status="alleged",
        claimant=forum,
        note="یہ فورم کا الزام ہے؛ مضمون اسے ثابت نہیں کرتا اور کمپنی کا مؤقف ابھی سامنے نہیں آیا۔",
        **_phrase(article, "ٹھیکیدار کمپنی نیل کنول تعمیرات نے معیار سے کم پائپ استعمال کیے"),
    )
    denied = services.annotation_create(
        article=article,
        author=reviewer2,
        status="denied",
        claimant=forum,
        denied_by="میونسپل کمیٹی چنار نگر",
        note="کمیٹی نے تردید کی ہے اور کہا ہے کہ ٹھیکہ تین بولیوں میں سے دیا گیا۔",
        **_phrase(article, "ٹھیکہ کھلی بولی کے بغیر دیا گیا"),
    )
    services.annotation_create(
        article=article,
        author=reviewer2,
        status="unverified",
        claimant="ایک مقامی رہنما",
        note="مضمون کے مطابق اس دعوے کا کوئی سروے یا سرکاری ماخذ سامنے نہیں آیا۔",
        **_sentence(article, 7),
    )
    if editor is None:
        return article
    for verdict in (evidenced, alleged, denied):
        services.annotation_submit(annotation=verdict, actor=verdict.author, version=verdict.version)
        verdict.refresh_from_db()
    for verdict in (evidenced, alleged):
        services.annotation_approve(annotation=verdict, editor=editor, version=verdict.version)
    return article

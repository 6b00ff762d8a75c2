"""Write tests/golden/seed.json: the database that tests/test_golden.py restores and reads.

Run from the repository root, with the project's virtualenv:

    .venv/bin/python tests/golden/make_seed.py

It migrates a fresh SQLite database in a temporary directory (DATABASE_URL is ignored, so ids start
at 1), creates the users, imports three articles and records their verdicts through the real services
(annotations/services.py, annotations/demo.py), then writes the native export of every live verdict.
Everything is fixed except the clock; the timestamps are then replaced by those of a synthetic clock
(same order, same equalities, some on a whole second), so a rerun writes the same file byte for byte.

After regenerating the seed, regenerate the goldens on the reference code (see tests/test_golden.py).

The seed holds:
- article 1, the demo article (annotations/demo_data) with the five demo verdicts (demo.py, with an editor);
- article 2, edge cases: drafts by reviewer and reviewer2 (and editor), submitted, approved (plainly,
  with the editor's own status and a comment, by editor2 after editor changed it), returned for
  changes, reopened, reopened and approved again, edited, deleted and restored; sources with and
  without dates and archive URLs, pinpoints, every relation; quotes, backslashes, <, &, newlines,
  tabs, U+2028, emoji and Urdu in the text, notes, comments, titles and URLs;
- article 3, 500 verdicts in every state and status, a third of them with sources.
Verdicts whose note contains "[golden: deleted by <username>]" are live here; the test deletes them
as that user, so deleted verdicts exist in the database it reads.
"""

from datetime import UTC, date, datetime, timedelta
import json
import os
from pathlib import Path
import sys
import tempfile

REPO = Path(__file__).resolve().parents[2]
SEED_PATH = Path(__file__).resolve().with_name("seed.json")
CLOCK_START = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
BULK_VERDICTS = 500

EDGE_TITLE = 'Ministry says “no backdoor” in <Safe City> cameras & "servers abroad" \\ update'
# Written with \r\n line endings and a decomposed "é": article_import stores NFC and \n.
EDGE_BODY = (
    "Ministry says “no backdoor” in Safe City cameras\r\n"
    "\r\n"
    'ISLAMABAD — The Ministry of Interior said on Tuesday that the cameras contain "no backdoor of any kind". '
    'A spokesperson added that the contract was "reviewed line by line" by its engineers.\r\n'
    "An opposition senator said the system sent footage to servers abroad. "
    "The ministry denied this in a written statement.\r\n"
    "The auditor's report, filed as C:\\Reports\\2024\\safe-city.pdf, lists 1,200 cameras & 14 <control> rooms.\r\n"
    "Officials celebrated the launch with a 🎉 emoji on social media, and the 🇵🇰 flag appeared in every post.\r\n"
    "وزارت داخلہ نے کہا کہ کیمروں میں کوئی خفیہ راستہ نہیں ہے۔ "
    "The Urdu statement was read out at the press conference.\r\n"
    "Cafe\u0301 owners near the control room said the cameras were installed in 2019. "
    "Nobody could confirm the date independently.\r\n"
    "The company said its software “meets every international standard”, a claim that could not be checked.\r\n"
    "Critics said the price, Rs 12.5 billion, was twice the regional average. "
    "The finance ministry published the figure in its budget papers.\r\n"
)
STATUSES = ("alleged", "denied", "unverified", "evidenced")


def deleted_by(username: str) -> str:
    return f"[golden: deleted by {username}]"


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        os.environ.update(
            DATABASE_URL=f"sqlite:///{directory}/seed.sqlite3",
            DJANGO_DEBUG="0",
            DJANGO_HTTPS="0",
            DJANGO_STATIC_MANIFEST="0",
            FACTCHECK_ALLOW_SELF_APPROVAL="0",
            DJANGO_SETTINGS_MODULE="factcheck.settings",
        )
        os.environ.setdefault("DJANGO_SECRET_KEY", "make-seed-only")
        sys.path.insert(0, str(REPO))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        document = build()
    SEED_PATH.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    count = sum(len(article["annotations"]) for article in document["articles"])
    print(f"Wrote {SEED_PATH} ({SEED_PATH.stat().st_size:,} bytes, {count} verdicts).")


def build() -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from annotations import roles, services
    from annotations.demo import create_demo_verdicts
    from annotations.exporters import native, stream
    from annotations.exporters.common import Selection
    from annotations.importing_export import validate_export
    from annotations.management.commands.load_demo import DEMO_ARTICLE, DEMO_TITLE

    groups = {
        "reviewer": roles.REVIEWERS_GROUP,
        "reviewer2": roles.REVIEWERS_GROUP,
        "editor": roles.EDITORS_GROUP,
        "editor2": roles.EDITORS_GROUP,
        "outsider": None,
    }
    users = {}
    for username, group in groups.items():
        user = get_user_model().objects.create(username=username)
        if group:
            user.groups.add(Group.objects.get(name=group))
        users[username] = user

    demo = services.article_import(
        title=DEMO_TITLE, body=DEMO_ARTICLE.read_text(encoding="utf-8"), imported_by=None, language="en"
    )
    create_demo_verdicts(article=demo, reviewer=users["reviewer"], reviewer2=users["reviewer2"], editor=users["editor"])
    edge_cases(users)
    bulk(users)

    document = json.loads(b"".join(stream(native, Selection(viewer=None))))
    synthetic_clock(document)
    errors = validate_export(document)
    if errors:
        raise SystemExit("The seed does not validate:\n" + "\n".join(errors))
    return document


def edge_cases(users: dict) -> None:
    from annotations import services
    from annotations.services import NewSource, SourceLink

    reviewer, reviewer2, editor, editor2 = (users[name] for name in ("reviewer", "reviewer2", "editor", "editor2"))
    article = services.article_import(
        title=EDGE_TITLE,
        body=EDGE_BODY,
        imported_by=reviewer,
        url="https://news.example.pk/2024/05/14/safe-city-%E2%80%9Cno-backdoor%E2%80%9D?page=2&lang=en",
        publisher="Example News <Pakistan> & Co.",
        published_at=date(2024, 5, 14),
        language="en",
    )

    def source(url: str, title: str, **fields):
        return services.source_get_or_create(url=url, title=title, created_by=reviewer, **fields)[0]

    auditor = source(
        "https://audit.example.gov.pk/reports/safe-city-2024.pdf",
        "Auditor General: Safe City report 2024",
        publisher="Auditor General of Pakistan",
        published_at=date(2024, 3, 5),
        archive_url="https://web.archive.org/web/20240306000000/https://audit.example.gov.pk/reports/safe-city-2024.pdf",
    )
    ministry = source(
        "https://interior.example.gov.pk/press/2024-05-14?id=7&utm_source=feed",
        'Press release: “No backdoor” in "Safe City" \\ cameras',
        publisher="Ministry of Interior",
        published_at=date(2024, 5, 14),
    )
    senator = source(
        "https://news.example.com/2024/05/senator-footage#comments",
        "Senator: footage <sent> abroad & stored",
        publisher="Example News",
        archive_url="https://archive.ph/AbCdE",
    )
    urdu = source("https://urdu.example.pk/خبریں/123", "وزارت داخلہ کا بیان", publisher="اردو نیوز")
    budget = source(
        "https://finance.example.gov.pk/budget/2024-25",
        "Budget papers 2024–25",
        publisher="Finance Division",
        published_at=date(2024, 6, 10),
    )
    social = source("https://social.example.com/@ministry/status/42", "Launch post 🎉")

    def span(phrase: str, after: str = "") -> dict:
        start = article.body.index(phrase, article.body.index(after) if after else 0)
        return {"start": start, "end": start + len(phrase), "quote": phrase}

    def create(author, phrase: str, status: str, **fields):
        return services.annotation_create(article=article, author=author, status=status, **span(phrase), **fields)

    def submit(verdict):
        return services.annotation_submit(annotation=verdict, actor=verdict.author, version=verdict.version)

    def approve(verdict, by=editor, **fields):
        return services.annotation_approve(annotation=verdict, editor=by, version=verdict.version, **fields)

    def request_changes(verdict, comment: str):
        return services.annotation_request_changes(
            annotation=verdict, editor=editor, version=verdict.version, comment=comment
        )

    def reopen(verdict, comment: str):
        return services.annotation_reopen(annotation=verdict, editor=editor, version=verdict.version, comment=comment)

    def update(verdict, actor, **fields):
        return services.annotation_update(annotation=verdict, actor=actor, version=verdict.version, **fields)

    # Drafts by each reviewer (and an editor): visible to their author and the editors only.
    create(
        reviewer,
        '"no backdoor of any kind"',
        "alleged",
        claimant="Ministry of Interior",
        note='Line one says "quoted" and C:\\path\\.\nLine two has <b>bold</b> & an ampersand.\tTabbed.',
    )
    create(
        reviewer2,
        "وزارت داخلہ نے کہا کہ کیمروں میں کوئی خفیہ راستہ نہیں ہے۔",
        "unverified",
        claimant="وزارت داخلہ",
        note="اردو نوٹ 🙂, a line separator:\u2028and a paragraph separator:\u2029done.",
        sources=[SourceLink(urdu, "context", "ص ۳")],
    )
    create(editor, "the cameras were installed in 2019", "alleged", claimant="Café owners")

    # Submitted: a denial, with a dated and archived source and a pinpoint that JSON must escape.
    submit(
        create(
            reviewer,
            "An opposition senator said the system sent footage to servers abroad.",
            "denied",
            claimant="An opposition senator",
            denied_by='Ministry of Interior ("MoI")',
            note="Denied in writing; see the statement.",
            sources=[
                SourceLink(ministry, "denial", 'para. 2: "no data leaves Pakistan"'),
                SourceLink(senator, "context"),
            ],
        )
    )
    # Approved as submitted, with two sources.
    approve(
        submit(
            create(
                reviewer2,
                "lists 1,200 cameras & 14 <control> rooms",
                "evidenced",
                claimant="The auditor",
                note="The report's annex lists every camera.",
                sources=[SourceLink(auditor, "supports", "p. 14, table 3"), SourceLink(budget, "context")],
            )
        )
    )
    # Approved with the editor's own status and a comment.
    approve(
        submit(
            create(
                reviewer,
                "its software “meets every international standard”",
                "alleged",
                claimant="the company",
                note="The company's claim.",
            )
        ),
        status="unverified",
        comment='No standards body has certified it: "alleged" understates the gap.',
    )
    # Returned for changes, with a comment that JSON must escape.
    request_changes(
        submit(create(reviewer2, "the price, Rs 12.5 billion, was twice the regional average", "alleged")),
        'Cite the budget papers <p. 7> & the "regional" figure.\nThen resubmit.',
    )
    # Reopened: approved, then back in the queue.
    reopen(
        approve(
            submit(
                create(
                    reviewer,
                    "The finance ministry published the figure in its budget papers.",
                    "evidenced",
                    claimant="Finance Division",
                    sources=[SourceLink(budget, "supports", "Table 7 — “Safe City”")],
                )
            )
        ),
        "New figures came out: check again.",
    )
    # Reopened and approved again by another editor: a first and a latest approval.
    approve(
        reopen(
            approve(
                submit(
                    create(
                        reviewer2,
                        "the system sent footage to servers abroad",
                        "denied",
                        claimant="An opposition senator",
                        denied_by="Ministry of Interior",
                        sources=[SourceLink(ministry, "denial"), SourceLink(senator, "refutes", "third paragraph")],
                    )
                ),
                comment="Denial on record.",
            ),
            "Check the new statement.",
        ),
        by=editor2,
        comment="Confirmed after the second statement.",
    )
    # Edited by its author, submitted, changed by an editor (who may then not approve it), approved by editor2.
    edited = create(
        reviewer,
        'A spokesperson added that the contract was "reviewed line by line" by its engineers.',
        "alleged",
        claimant="A spokesperson",
    )
    edited = update(
        edited,
        reviewer,
        status="alleged",
        claimant="A ministry spokesperson",
        note="The ministry's own description.",
        sources=[
            SourceLink(NewSource("https://interior.example.gov.pk/contracts/safe-city", "Contract summary"), "context")
        ],
    )
    edited = update(
        submit(edited),
        editor,
        status="unverified",
        claimant="A ministry spokesperson",
        note="The ministry's own description; nobody else has seen the review.",
        sources=[
            SourceLink(NewSource("https://interior.example.gov.pk/contracts/safe-city"), "context"),
            SourceLink(senator, "refutes", "“line by line” is disputed"),
        ],
    )
    approve(edited, by=editor2)
    # Written by an editor, approved by the other.
    approve(
        submit(create(editor, "Nobody could confirm the date independently.", "unverified")),
        by=editor2,
        comment="Fine as it is.",
    )
    # Returned, edited, resubmitted, approved.
    returned = request_changes(
        submit(
            create(
                reviewer2,
                "Café owners near the control room said the cameras were installed in 2019.",
                "unverified",
                claimant="Café owners",
            )
        ),
        "Name the owners.",
    )
    approve(
        submit(
            update(
                returned, reviewer2, status="unverified", claimant="Café owners", note="Two owners, named in the piece."
            )
        )
    )
    # Deleted by its author and restored within the undo window: a live draft whose history says so.
    restored = create(reviewer, "The ministry denied this in a written statement.", "alleged", claimant="The ministry")
    restored = services.annotation_delete(annotation=restored, actor=reviewer, version=restored.version)
    services.annotation_restore(annotation=restored, actor=reviewer)
    # The same span twice (ordered by id), after a flag emoji (two code points, four UTF-16 units).
    submit(create(reviewer, "the 🇵🇰 flag appeared in every post", "alleged", claimant="Officials"))
    approve(
        submit(
            create(
                reviewer2,
                "the 🇵🇰 flag appeared in every post",
                "evidenced",
                sources=[SourceLink(social, "supports", "the post's image 🇵🇰")],
            )
        )
    )
    # Every relation, one source twice (supports and context).
    approve(
        submit(
            create(
                reviewer2,
                "celebrated the launch with a 🎉 emoji on social media",
                "evidenced",
                claimant="Officials",
                note="See the post.",
                sources=[
                    SourceLink(social, "supports", "post 1"),
                    SourceLink(senator, "refutes"),
                    SourceLink(ministry, "denial", "¶ 4"),
                    SourceLink(social, "context", "the replies"),
                ],
            )
        )
    )
    # No note, no claimant, no source.
    submit(create(reviewer, "ISLAMABAD", "unverified"))

    # Live here; tests/test_golden.py deletes them as the user named in the note.
    create(
        reviewer,
        "The Urdu statement was read out at the press conference.",
        "alleged",
        note=deleted_by("reviewer"),
    )
    submit(create(reviewer2, "A spokesperson added", "unverified", note=deleted_by("editor")))
    approve(
        submit(
            create(
                reviewer,
                "1,200 cameras",
                "evidenced",
                claimant="The auditor",
                note=deleted_by("editor"),
                sources=[SourceLink(auditor, "supports", "p. 2")],
            )
        )
    )
    request_changes(
        submit(create(reviewer2, "twice the regional average", "alleged", note=deleted_by("reviewer2"))),
        "Which region?",
    )
    create(editor, "servers abroad", "alleged", note=deleted_by("editor"))


def bulk(users: dict) -> None:
    """500 verdicts on a generated article: every state and status, mixed authors, some sources."""
    from annotations import services
    from annotations.services import SourceLink

    reviewer = users["reviewer"]
    cities = ("Lahore", "Multan", "Quetta", "Karachi", "Peshawar", "Sialkot", "Hyderabad")
    lines = []
    for paragraph in range(25):
        sentences = []
        for number in range(paragraph * 4, paragraph * 4 + 4):
            city = cities[number % len(cities)]
            sentences.append(f"Item {number}: the council reported {(number * 37) % 1000} new cases in {city}.")
        lines.append(" ".join(sentences))
    article = services.article_import(title="Council case figures, 2025", body="\n".join(lines), imported_by=None)
    spans = list(article.sentences.order_by("index").values_list("start", "end"))
    sources = [
        services.source_get_or_create(
            url=f"https://records.example.org/council/{number}",
            title=f"Council record {number}",
            publisher="Council records office" if number % 2 else "",
            published_at=date(2025, 1, 1) + timedelta(days=number * 11) if number % 3 else None,
            archive_url=f"https://archive.example.org/council/{number}" if number % 4 == 0 else "",
            created_by=reviewer,
        )[0]
        for number in range(12)
    ]
    authors = ("reviewer", "reviewer2", "reviewer", "reviewer2", "editor")
    for i in range(BULK_VERDICTS):
        start, end = spans[i % len(spans)]
        sentence = article.body[start:end]
        kind = (i // len(spans)) % 5
        if kind == 1:  # "the council reported N new cases"
            start += sentence.index("the council")
            end = start + sentence[sentence.index("the council") :].index(" in ")
        elif kind == 2:  # "Item N"
            end = start + sentence.index(":")
        elif kind == 3:  # "in <city>."
            start += sentence.index(" in ") + 1
        author = users[authors[(i // 7) % len(authors)]]
        status = STATUSES[(i * 3 + i // 4) % 4]
        links = []
        if status == "evidenced":
            links.append(SourceLink(sources[i % 12], "supports", f"line {i}" if i % 2 else ""))
        if i % 3 == 0:
            relation = ("context", "refutes", "denial", "supports")[i % 4]
            if not links or relation != "supports":
                links.append(SourceLink(sources[(i + 5) % 12], relation, "p. 3" if i % 5 == 0 else ""))
        flow = i % 20
        editor = users["editor2"] if author.username == "editor" else users["editor"]
        note = f"Bulk note {i}." if i % 4 else ""
        if i < 200 and i % 100 in (3, 17, 28, 53, 57, 78):  # draft, returned, submitted, approved, reopened
            deleter = author.username if flow < 4 or flow in (16, 17) else ("editor2" if i % 100 > 50 else "editor")
            note = f"{note} {deleted_by(deleter)}".strip()
        verdict = services.annotation_create(
            article=article,
            author=author,
            start=start,
            end=end,
            quote=article.body[start:end],
            status=status,
            claimant="The council" if i % 3 else "",
            denied_by=f"District {chr(ord('A') + i % 26)} office" if status == "denied" else "",
            note=note,
            sources=links,
        )
        if flow < 4:
            continue
        verdict = services.annotation_submit(annotation=verdict, actor=author, version=verdict.version)
        if flow < 9:
            continue
        if flow in (16, 17):
            services.annotation_request_changes(
                annotation=verdict, editor=editor, version=verdict.version, comment=f"Check item {i}."
            )
            continue
        if flow == 19 and status != "denied":
            new_status = "unverified" if status != "unverified" else "alleged"
            services.annotation_approve(
                annotation=verdict,
                editor=editor,
                version=verdict.version,
                status=new_status,
                comment=f"Status changed to {new_status}.",
            )
            continue
        verdict = services.annotation_approve(annotation=verdict, editor=editor, version=verdict.version)
        if flow == 18:
            services.annotation_reopen(annotation=verdict, editor=editor, version=verdict.version, comment="Recheck.")


def synthetic_clock(document: dict) -> None:
    """Replace every timestamp with one of a clock that starts at CLOCK_START and ticks about a minute
    per distinct value: order and equality (a change, its event and its review share one time) are
    kept; every fifth value falls on a whole second, which the exports write without a fraction."""
    from annotations.exporters.common import timestamp

    found = set()
    for article in document["articles"]:
        for item in article["annotations"]:
            found.update((item["created_at"], item["updated_at"]))
            if item["review"]:
                found.add(item["review"]["decided_at"])
            found.update(event["at"] for event in item["history"])
    ordered = sorted(found, key=datetime.fromisoformat)
    clock = {}
    for tick, value in enumerate(ordered):
        fraction = 0 if tick % 5 == 0 else (tick * 104_729) % 1_000_000
        clock[value] = timestamp(CLOCK_START + timedelta(seconds=61 * tick, microseconds=fraction))
    for article in document["articles"]:
        for item in article["annotations"]:
            item["created_at"] = clock[item["created_at"]]
            item["updated_at"] = clock[item["updated_at"]]
            if item["review"]:
                item["review"]["decided_at"] = clock[item["review"]["decided_at"]]
            for event in item["history"]:
                event["at"] = clock[event["at"]]
    document["generated_at"] = timestamp(CLOCK_START + timedelta(seconds=61 * len(ordered)))


if __name__ == "__main__":
    main()

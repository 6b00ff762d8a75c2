"""db.py: each piece of hand-written SQL gives what the plain ORM gives (the guards of docs/performance.md)."""

from datetime import UTC, datetime

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast
from django.utils import timezone
import pytest
from rest_framework.authtoken.models import Token

from annotations import db, roles, selectors, services
from annotations.models import Action, Annotation, AnnotationEvent, AnnotationSource, Article, Sentence, Source

from .conftest import sentence_span

pytestmark = pytest.mark.django_db


def fields_of(instance, *, leave_out=("id",)) -> dict:
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name not in leave_out
    }


def test_a_new_verdict_is_stored_as_the_orm_stores_it(seed_article, reviewer, bbc_source):
    """db.insert_new_verdict (one statement on PostgreSQL) against Model.save() and bulk_create."""
    now = timezone.now()

    def unsaved(index: int):
        annotation = Annotation(
            article=seed_article,
            author=reviewer,
            status="alleged",
            note="Why.",
            created_at=now,
            updated_at=now,
            **sentence_span(seed_article, index),
        )
        event = AnnotationEvent(
            annotation=annotation, actor=reviewer, at=now, action=Action.CREATE, to_state="draft", to_status="alleged"
        )
        links = [AnnotationSource(source=bbc_source, relation="supports", pinpoint="p. 2", position=0)]
        return annotation, event, links

    fast, fast_event, fast_links = unsaved(1)
    db.insert_new_verdict(fast, fast_event, fast_links)
    plain, plain_event, plain_links = unsaved(1)
    plain.save(force_insert=True)
    plain_event.annotation = plain
    plain_event.save(force_insert=True)
    for link in plain_links:
        link.annotation = plain
    AnnotationSource.objects.bulk_create(plain_links)

    stored = {a.pk: a for a in Annotation.objects.filter(pk__in=[fast.pk, plain.pk])}
    assert fields_of(stored[fast.pk]) == fields_of(stored[plain.pk])
    events = {e.annotation_id: e for e in AnnotationEvent.objects.filter(annotation_id__in=[fast.pk, plain.pk])}
    assert fields_of(events[fast.pk], leave_out=("id", "annotation")) == fields_of(
        events[plain.pk], leave_out=("id", "annotation")
    )
    links = {link.annotation_id: link for link in AnnotationSource.objects.all()}
    assert fields_of(links[fast.pk], leave_out=("id", "annotation")) == fields_of(
        links[plain.pk], leave_out=("id", "annotation")
    )


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 3, 9, 5, 7, 123456, tzinfo=UTC),
        datetime(2026, 12, 3, 9, 5, 7, 0, tzinfo=UTC),
        datetime(2026, 12, 3, 9, 5, 7, 500, tzinfo=UTC),
    ],
)
def test_iso_text_is_what_python_and_drf_write(seed_article, reviewer, moment):
    annotation = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 0)
    )
    Annotation.objects.filter(pk=annotation.pk).update(created_at=moment)
    text = Annotation.objects.filter(pk=annotation.pk).values_list(db.IsoText("created_at"), flat=True).get()
    assert text == moment.isoformat().replace("+00:00", "Z")


def test_ids_in_selects_what_in_selects(reviewer):
    made = [
        services.source_get_or_create(url=f"https://example.org/{n}", title=f"S{n}", created_by=reviewer)[0]
        for n in range(5)
    ]
    wanted = [made[0].pk, made[3].pk, made[4].pk, 10**12]
    fast = set(Source.objects.filter(db.IdsIn("id", wanted)).values_list("id", flat=True))
    assert fast == set(Source.objects.filter(id__in=wanted).values_list("id", flat=True)) == set(wanted[:3])
    assert list(Source.objects.filter(db.IdsIn("id", []))) == []


def test_fetch_tuples_reads_what_values_list_reads(reviewer):
    services.source_get_or_create(url="https://example.org/a", title="A", publisher="P", created_by=reviewer)
    rows = Source.objects.annotate(day=Cast("published_at", CharField())).values_list("id", "url", "title", "day")
    assert db.fetch_tuples(rows) == list(rows)


def test_the_token_statement_reads_the_user_roles_and_age_the_orm_reads(reviewer, editor):
    Group.objects.get_or_create(name="Unrelated")[0].user_set.add(reviewer)
    for user in (reviewer, editor):
        token = Token.objects.create(user=user)
        found, groups, created = db.token_user(token.key, roles.ROLE_GROUPS)
        plain = type(user).objects.get(pk=user.pk)
        assert fields_of(found, leave_out=()) | {"last_login": None} == fields_of(plain, leave_out=()) | {
            "last_login": None
        }
        assert groups == set(user.groups.values_list("name", flat=True)) & set(roles.ROLE_GROUPS)
        assert created == Token.objects.get(pk=token.pk).created
    assert db.token_user("no-such-key", roles.ROLE_GROUPS) is None


def test_article_by_id_loads_what_get_loads(seed_article):
    assert fields_of(selectors.article_by_id(seed_article.pk), leave_out=()) == fields_of(
        Article.objects.get(pk=seed_article.pk), leave_out=()
    )
    assert selectors.article_by_id(seed_article.pk + 1) is None


@pytest.mark.parametrize("persona", ["reviewer", "editor", "outsider"])
@pytest.mark.parametrize(
    "filters", [(), (("status", "alleged"),), (("state", "draft"), ("author__username", "reviewer"))]
)
@pytest.mark.parametrize("bound", [None, ("lt", 3), ("gt", 1)])
def test_compiled_verdict_rows_are_the_orm_rows(seed_article, reviewer, editor, outsider, persona, filters, bound):
    """db.compile_values: the API list's statement, compiled once per shape and run with new values,
    reads what the ORM's queryset of the same shape reads (and is compiled, not refused)."""
    for index in range(4):
        made = services.annotation_create(
            article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, index)
        )
        if index % 2:
            services.annotation_submit(annotation=made, actor=reviewer, version=1)
    viewer = {"reviewer": reviewer, "editor": editor, "outsider": outsider}[persona]
    rows = selectors.VerdictRows(viewer=viewer, filters=filters, ordering="-id", bound=bound)
    kind = selectors._viewer_kind(viewer)
    shape = (kind, tuple(name for name, _ in filters), "-id", bound and bound[0])
    values = {"viewer": viewer.pk, **dict(filters)} | ({"bound": bound[1]} if bound else {})
    compiled = selectors._compiled_rows(*shape, 0, 3)  # raises NotCompilable if the ORM's text cannot be reused
    assert compiled.rows(**values) == rows[0:3] == list(selectors._rows_query(*shape, values)[0:3])


def test_one_verdicts_compiled_links_are_the_orm_links(seed_article, reviewer, bbc_source):
    second = services.source_get_or_create(
        url="https://example.org/dated", title="Dated", published_at="2019-04-08", created_by=reviewer
    )[0]
    links = [services.SourceLink(second, "context", "p. 1"), services.SourceLink(bbc_source, "supports", "")]
    made = services.annotation_create(
        article=seed_article, author=reviewer, status="evidenced", sources=links, **sentence_span(seed_article, 3)
    )
    compiled = selectors._compiled_links_of_one().tuples(pk=made.pk)
    assert compiled == selectors.source_links_by_annotation([made.pk])[made.pk]
    assert [link[4] for link in compiled] == ["2019-04-08", None]


def test_sentences_are_inserted_as_bulk_create_inserts_them(seed_article):
    """db.insert_sentences (COPY on PostgreSQL, executemany on SQLite) against Sentence.objects.bulk_create."""
    assert [field.name for field in Sentence._meta.concrete_fields if not field.primary_key] == list(
        db.SENTENCE_COLUMNS
    )
    twin = Article.objects.create(title="Twin", body=seed_article.body + " ", body_sha256="0" * 64)
    rows = list(seed_article.sentences.values_list("index", "paragraph", "start", "end"))
    Sentence.objects.bulk_create(Sentence(article=twin, index=i, paragraph=p, start=s, end=e) for i, p, s, e in rows)
    copied = Article.objects.create(title="Copied", body=seed_article.body + "  ", body_sha256="1" * 64)
    db.insert_sentences([(copied.pk, *row) for row in rows])

    def stored(article):
        return [fields_of(s, leave_out=("id", "article")) for s in article.sentences.order_by("index")]

    assert stored(copied) == stored(twin) and len(stored(copied)) == 26


def test_inserted_sentences_are_checked_by_the_database(seed_article):
    copied = Article.objects.create(title="Copied", body=seed_article.body + " ", body_sha256="1" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        db.insert_sentences([(copied.pk, 0, 0, 5, 5)])  # start before end
    with pytest.raises(IntegrityError), transaction.atomic():
        db.insert_sentences([(copied.pk, 0, 0, 0, 5), (copied.pk, 0, 0, 6, 9)])  # one index per sentence
    missing = Article.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    with pytest.raises(IntegrityError, match="does not exist"), transaction.atomic():
        db.insert_sentences([(copied.pk, 0, 0, 0, 5), (missing, 0, 0, 0, 5)])  # an article that does not exist
    assert not copied.sentences.exists()


def test_a_sentence_must_name_an_article_and_goes_with_it(seed_article):
    """The foreign key's rule, stated by migration 0015's triggers: no sentence of a missing article,
    by insert or update, and an article's deletion deletes its sentences, also without the ORM's cascade."""
    missing = Article.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    with pytest.raises(IntegrityError, match="does not exist"), transaction.atomic():
        Sentence.objects.create(article_id=missing, index=0, paragraph=0, start=0, end=5)
    with pytest.raises(IntegrityError, match="does not exist"), transaction.atomic():
        Sentence.objects.filter(article=seed_article, index=0).update(article_id=missing)
    count = seed_article.sentences.count()
    other = Article.objects.create(title="Other", body="One. Two.", body_sha256="2" * 64)
    db.insert_sentences([(other.pk, 0, 0, 0, 4), (other.pk, 1, 0, 5, 9)])
    Article.objects.filter(pk=other.pk)._raw_delete("default")  # one DELETE, without Django's cascade
    assert not Sentence.objects.filter(article_id=other.pk).exists()
    assert seed_article.sentences.count() == count > 0


SEARCHED = ["harbour", "harb", "harbour cranes", "minister", "minister harbour c", "Okafor", "port", "zzz"]


def test_a_search_page_holds_what_the_plain_statement_holds(reviewer, reviewer2, editor):
    """db.search_match (SQLite: ranked in one FTS5 pass) against search_match_plain (a correlated
    subquery per row): the same rows, scores and snippets, in the same order, on every page, for
    each type and each kind of viewer (drafts of others and deleted verdicts stay out)."""
    words = ["harbour", "cranes", "minister", "port", "Okafor", "customs", "ferry", "strike"]
    articles = []
    for number in range(12):
        picked = [words[(number * 3 + i) % len(words)] for i in range(1 + number % 4)]
        body = "\n".join(
            f"The {' '.join(picked)} story {number}, part {part}. Said the {picked[part % len(picked)]} office."
            for part in range(1 + number % 3)
        )
        articles.append(
            services.article_import(title=f"{picked[0].title()} report {number}", body=body, imported_by=None)
        )
        source, _ = services.source_get_or_create(
            url=f"https://example.org/{'-'.join(picked)}/{number}",
            title=f"{' '.join(picked)} filing",
            publisher="Port Authority" if number % 2 else "Okafor & Sons",
            created_by=reviewer,
        )
        for index in range(Sentence.objects.filter(article=articles[-1]).count()):
            author = (reviewer, reviewer2)[(number + index) % 2]
            verdict = services.annotation_create(
                article=articles[-1],
                author=author,
                status="alleged",
                note=f"{picked[-1]} checked with {words[(number + index) % len(words)]}",
                claimant="Ada Okafor" if index % 2 else "",
                sources=[services.SourceLink(source, "supports")] if index == 0 else [],
                **sentence_span(articles[-1], index),
            )
            if (number + index) % 3:
                services.annotation_submit(annotation=verdict, actor=author, version=verdict.version)
            elif index == 0:
                services.annotation_delete(annotation=verdict, actor=author, version=verdict.version)

    def rows(kind: str, viewer):
        if kind == "verdict":
            return Annotation.objects.filter(selectors.visibility_filter(viewer)).select_related("article")
        return Article.objects.defer("body") if kind == "article" else selectors.visible_sources(viewer=viewer)

    def page(search, kind, viewer, query, offset, limit):
        words = db.search_words(query)
        found = search(
            rows(kind, viewer), kind=kind, words=words, snippet_of=SNIPPETS[kind], offset=offset, limit=limit
        )
        return [(row.pk, row.search_score, row.search_snippet) for row in found]

    compared = 0
    for kind in ("verdict", "article", "source"):
        for viewer in (reviewer, reviewer2, editor):
            for query in SEARCHED:
                for offset, limit in ((0, 3), (3, 3), (0, 50)):
                    plain = page(db.search_match_plain, kind, viewer, query, offset, limit)
                    assert page(db.search_match, kind, viewer, query, offset, limit) == plain, (kind, query, offset)
                    compared += len(plain)
    assert compared > 300  # the words were found, on more than one page


SNIPPETS = {
    "verdict": ("note", Value("english")),
    "article": ("title", Value("english")),
    "source": ("title", Value("simple")),
}

import json

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings
import pytest

from annotations.models import Article

pytestmark = pytest.mark.django_db


def test_import_article_text_file(tmp_path, capsys):
    path = tmp_path / "story.txt"
    path.write_text("Heading\nFirst sentence. Second sentence.", encoding="utf-8")
    call_command(
        "import_article",
        str(path),
        "--title",
        "A story",
        "--publisher",
        "Desk",
        "--published",
        "2021-08-13",
        "--url",
        "https://example.org/story",
        "--language",
        "en",
    )
    article = Article.objects.get()
    assert (article.title, article.publisher, str(article.published_at), article.url) == (
        "A story",
        "Desk",
        "2021-08-13",
        "https://example.org/story",
    )
    assert article.sentences.count() == 3
    assert f"Imported article #{article.pk} “A story” with 3 sentences." in capsys.readouterr().out


def test_import_article_refuses_bad_files_and_stores_nothing(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("café".encode("latin-1"))
    with pytest.raises(CommandError, match="is not valid UTF-8"):
        call_command("import_article", str(bad))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match=r"“empty\.txt” is empty\."):
        call_command("import_article", str(empty))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_article", str(tmp_path / "missing.txt"))
    assert Article.objects.count() == 0


def test_import_article_duplicate(tmp_path, seed_article, seed_text):
    path = tmp_path / "again.txt"
    path.write_text(seed_text, encoding="utf-8")
    with pytest.raises(CommandError, match=f"already stored as article #{seed_article.pk}"):
        call_command("import_article", str(path), "--title", "Again")


def test_import_directory_and_jsonl_in_bulk(tmp_path, capsys):
    (tmp_path / "one.txt").write_text("One sentence.", encoding="utf-8")
    (tmp_path / "two.txt").write_text("Two sentences. Here.", encoding="utf-8")
    (tmp_path / "broken.txt").write_bytes(b"\xff\xfe")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    call_command("import_article", str(tmp_path))
    output = capsys.readouterr()
    assert "Imported 2 article(s); skipped 1." in output.out
    assert "Skipped broken.txt" in output.err
    assert sorted(Article.objects.values_list("title", flat=True)) == ["One", "Two"]

    jsonl = tmp_path / "batch.jsonl"
    jsonl.write_text(
        json.dumps({"title": "Urdu", "body": "یہ خبر ہے۔ دوسرا جملہ۔", "language": "ur", "published_at": "2021-08-13"})
        + "\n\nnot json\n",
        encoding="utf-8",
    )
    call_command("import_article", str(jsonl))
    assert "Imported 1 article(s); skipped 1." in capsys.readouterr().out
    urdu = Article.objects.get(title="Urdu")
    assert (urdu.language, urdu.sentences.count(), str(urdu.published_at)) == ("ur", 2, "2021-08-13")


@override_settings(DEBUG=True)
def test_load_demo_is_idempotent(capsys):
    call_command("load_demo")
    call_command("load_demo")
    article = Article.objects.get()
    assert (article.title, article.sentences.count()) == ("Huawei spying in Pakistan?", 26)
    assert sorted(article.annotations.values_list("status", flat=True)) == [
        "alleged",
        "alleged",
        "denied",
        "evidenced",
        "unverified",
    ]
    users = get_user_model().objects.order_by("username")
    assert [(u.username, [g.name for g in u.groups.all()]) for u in users] == [
        ("editor", ["Editors"]),
        ("reviewer", ["Reviewers"]),
        ("reviewer2", ["Reviewers"]),
    ]
    assert users[0].check_password("factcheck-demo")
    assert "The demo article is already stored" in capsys.readouterr().out


def test_load_demo_refuses_without_debug():
    with pytest.raises(CommandError, match="load_demo only runs with DJANGO_DEBUG=1"):
        call_command("load_demo")
    assert get_user_model().objects.count() == 0

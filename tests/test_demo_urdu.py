"""The Urdu demo article (annotations/demo.py): loaded once by load_demo, split at "۔" and "؟", labelled
as demo text, with one verdict of each status, and shown right to left."""

from io import StringIO

from django.core.management import call_command
from django.test import override_settings
import pytest

from annotations.demo import DEMO_URDU_TITLE, create_urdu_demo_article
from annotations.models import Article

from .conftest import client_for

pytestmark = pytest.mark.django_db

SENTENCES = [
    "یہ نمونے کا متن ہے جو factcheck کے ڈیمو کے لیے لکھا گیا ہے، یہ کوئی حقیقی خبر نہیں اور اس کے تمام نام فرضی ہیں۔",
    "چنار نگر کی میونسپل کمیٹی نے گزشتہ ماہ شہر کے پرانے حصے میں پانی کی نئی پائپ لائن بچھانے کا کام مکمل کیا۔",
    "کمیٹی کے منظور شدہ بجٹ کے مطابق اس منصوبے پر بارہ کروڑ روپے خرچ ہوئے۔",
    "شہری حقوق فورم کا الزام ہے کہ ٹھیکیدار کمپنی نیل کنول تعمیرات نے معیار سے کم پائپ استعمال کیے۔",
    "کمپنی نے اس الزام پر ابھی تک کوئی ردِعمل نہیں دیا۔",
    "فورم کا یہ بھی کہنا ہے کہ ٹھیکہ کھلی بولی کے بغیر دیا گیا، تاہم میونسپل کمیٹی نے اس کی تردید کی ہے۔",
    "کمیٹی کے مطابق ٹھیکہ اخبارات میں اشتہار کے بعد تین بولیوں میں سے دیا گیا۔",
    "ایک مقامی رہنما کا کہنا ہے کہ نئی لائن کے باوجود شہر کے آدھے گھروں تک اب بھی پانی نہیں پہنچ رہا۔",
    "اس دعوے کے حق میں ابھی تک کوئی سروے یا سرکاری اعداد و شمار سامنے نہیں آئے۔",
    "کیا پائپوں کے معیار کی آزادانہ جانچ ہوگی؟",
    "میونسپل کمیٹی کا کہنا ہے کہ صوبائی محکمۂ آڈٹ آئندہ ماہ منصوبے کا جائزہ لے گا۔",
    "اس نمونے کے متن پر کسی فریق سے رابطہ نہیں کیا گیا، کیونکہ یہ حقیقی خبر نہیں۔",
]


@override_settings(DEBUG=True)
def test_load_demo_stores_the_urdu_article_once_with_its_sentences_and_verdicts():
    out = StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)
    [article] = Article.objects.filter(language="ur")
    assert (article.title, article.publisher) == (DEMO_URDU_TITLE, "factcheck demo")
    assert out.getvalue().count("Imported the Urdu demo article") == 1
    assert [article.body[s.start : s.end] for s in article.sentences.order_by("index")] == SENTENCES
    assert [s.paragraph for s in article.sentences.order_by("index")] == [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6]
    verdicts = article.annotations.order_by("start")
    assert [(v.status, v.state, v.author.username) for v in verdicts] == [
        ("evidenced", "approved", "reviewer"),
        ("alleged", "approved", "reviewer"),
        ("denied", "submitted", "reviewer2"),
        ("unverified", "draft", "reviewer2"),
    ]
    assert [v.quote for v in verdicts] == [
        SENTENCES[2],
        "ٹھیکیدار کمپنی نیل کنول تعمیرات نے معیار سے کم پائپ استعمال کیے",
        "ٹھیکہ کھلی بولی کے بغیر دیا گیا",
        SENTENCES[7],
    ]


def test_without_reviewers_the_article_comes_alone_and_a_rerun_adds_nothing():
    article = create_urdu_demo_article()
    assert (article.sentences.count(), article.annotations.count()) == (12, 0)
    assert create_urdu_demo_article() is None
    assert Article.objects.count() == 1


def test_its_page_shows_the_text_right_to_left_in_urdu(reviewer):
    article = create_urdu_demo_article()
    page = client_for(reviewer).get(article.get_absolute_url())
    assert page.status_code == 200
    body = f'<div id="article-body" class="article-body" lang="ur" dir="rtl" data-article-id="{article.pk}">'
    assert body in page.text
    assert f'<h1 id="article-title" lang="ur" dir="auto">{DEMO_URDU_TITLE}</h1>' in page.text

"""The interface in English and Urdu (issue 20): every template string is marked for translation,
the Urdu catalogue is complete and compiled, and a user's language follows them."""

import gettext
import html.parser
from pathlib import Path
import re
import shutil

from django.conf import settings
from django.core.management import call_command
from django.template.base import Lexer, TokenType
from django.test import Client, override_settings
import polib
import pytest

from annotations.models import LanguagePreference

from .conftest import client_for

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
CATALOGUE = ROOT / "locale" / "ur" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")
# What makemessages reads: the app and the templates, not the tests, the benchmarks or the venv.
IGNORED = [".venv", "venv", "node_modules", "staticfiles", "tests", "bench", "docs", ".ci", "locale"]

# Names that read the same in every language and may stand alone, unmarked.
NAMES = {"factcheck", "JSON", "JSON-LD", "W3C", "ClaimReview", "API", "OpenAPI", "URL", "Atom", "CSV", "HTTP", "ID"}
# Attributes a person reads or hears; the others (class, href, hx-*, name…) are code.
READ_ATTRIBUTES = {"title", "aria-label", "aria-description", "aria-roledescription", "placeholder", "alt"}
HOLE = "\ue000"  # stands for a {{ variable }} or {% tag %} in the text the HTML parser sees


def template_text(source: str) -> str:
    """The template with every tag and variable replaced by HOLE, and with what is already
    translated ({% blocktranslate %}…{% endblocktranslate %}) and comments left out."""
    out, skip_until = [], None
    for token in Lexer(source).tokenize():
        if skip_until:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == skip_until:
                skip_until = None
            continue
        if token.token_type == TokenType.TEXT:
            out.append(token.contents)
            continue
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            if name in ("blocktranslate", "blocktrans"):
                skip_until = "end" + name
            elif name == "comment":
                skip_until = "endcomment"
            elif name == "block" and token.contents.split()[1].endswith("_class"):
                skip_until = "endblock"  # {% block main_class %}page page-narrow{% endblock %}: CSS classes
        out.append(HOLE)
    return "".join(out)


class TextCollector(html.parser.HTMLParser):
    """Text a person reads: text nodes (not in <script> or <style>) and the read attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.code = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("script", "style"):
            self.code += 1
        attributes = dict(attrs)
        read = set(READ_ATTRIBUTES)
        if tag == "input" and attributes.get("type") in ("submit", "button", "reset"):
            read.add("value")
        if tag == "meta" and (attributes.get("name") or attributes.get("property") or "").endswith("description"):
            read.add("content")
        self.texts += [value for name, value in attrs if name in read and value]

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style"):
            self.code -= 1

    def handle_data(self, data) -> None:
        if not self.code:
            self.texts.append(data)


def untranslated(source: str) -> list[str]:
    collector = TextCollector()
    collector.feed(template_text(source))
    found = []
    for text in collector.texts:
        words = [word for word in re.split(rf"[\s{HOLE}]+", text) if word]
        if any(
            re.search(r"[A-Za-z]", word) and word.strip("()[].,:;·←→") not in NAMES and not re.match(r"\w+://", word)
            for word in words
        ):
            found.append(" ".join(text.replace(HOLE, "…").split()))
    return found


def test_the_checker_finds_unmarked_text_and_accepts_marked_text():
    assert untranslated('<p class="x">Save verdict</p>') == ["Save verdict"]
    assert untranslated('<a aria-label="Close" href="/x/">{% translate "Close" %}</a>') == ["Close"]
    assert untranslated('<input type="submit" value="Go">') == ["Go"]
    assert untranslated("<p>{{ article.title }} · factcheck</p>") == []
    assert untranslated("{% blocktranslate trimmed with n=3 %}{{ n }} waiting{% endblocktranslate %}") == []
    assert untranslated('<button aria-label="{% translate "Close" %}">{% translate "Close" %}</button>') == []
    assert untranslated("{% comment %}A note for developers{% endcomment %}<script>let a = 1;</script>") == []


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT / "templates")))
def test_every_template_string_is_marked_for_translation(template):
    assert untranslated(template.read_text(encoding="utf-8")) == []


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """makemessages run afresh over the code, into a copy of the catalogues: what the code asks for."""
    if not shutil.which("xgettext"):
        pytest.fail("GNU gettext is not installed (xgettext): apt-get install gettext")
    locale = tmp_path_factory.mktemp("locale")
    shutil.copytree(ROOT / "locale", locale, dirs_exist_ok=True)
    with override_settings(LOCALE_PATHS=[locale]):
        for domain in DOMAINS:
            call_command(
                "makemessages", locale=["ur"], domain=domain, ignore_patterns=IGNORED, no_obsolete=True, verbosity=0
            )
    return locale / "ur" / "LC_MESSAGES"


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_urdu_message_is_translated(extracted, domain):
    catalogue = polib.pofile(str(extracted / f"{domain}.po"))
    missing = [entry.msgid for entry in catalogue if not entry.translated() or entry.obsolete]
    assert missing == [], f"{len(missing)} Urdu messages missing: run `make messages` and translate them"
    committed = polib.pofile(str(CATALOGUE / f"{domain}.po"))
    assert {entry.msgid for entry in catalogue} == {entry.msgid for entry in committed if not entry.obsolete}, (
        "locale/ur is out of date: run `make messages`"
    )


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalogue_matches_the_translations(domain):
    with open(CATALOGUE / f"{domain}.mo", "rb") as compiled:
        served = gettext.GNUTranslations(compiled)._catalog
    for entry in polib.pofile(str(CATALOGUE / f"{domain}.po")).translated_entries():
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            assert served.get((key, 0)) == entry.msgstr_plural[0], "run `make messages` to compile locale/ur"
        else:
            assert served.get(key) == entry.msgstr, "run `make messages` to compile locale/ur"


def switch(client: Client, language: str, next_url: str = "/"):
    return client.post("/i18n/setlang/", {"language": language, "next": next_url})


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_a_reviewer_switches_to_urdu_and_keeps_it_on_another_device(reviewer, debug, settings):
    settings.DEBUG = debug
    client = client_for(reviewer)
    page = client.get("/")
    assert '<html lang="en" dir="ltr">' in page.text
    assert switch(client, "ur", "/").status_code == 302
    assert LanguagePreference.objects.get(user=reviewer).language == "ur"
    page = client.get("/")
    assert '<html lang="ur" dir="rtl">' in page.text
    assert "مضامین" in page.text  # "Articles" in the header
    assert page.headers["Content-Language"] == "ur"

    elsewhere = client_for(reviewer)  # another browser: no cookie, English Accept-Language
    page = elsewhere.get("/", headers={"accept-language": "en"})
    assert '<html lang="ur" dir="rtl">' in page.text
    switch(elsewhere, "en")
    assert '<html lang="en" dir="ltr">' in elsewhere.get("/").text
    assert LanguagePreference.objects.get(user=reviewer).language == "en"


def test_anonymous_visitors_get_their_browsers_language_and_the_switcher(db):
    client = Client()
    page = client.get("/accounts/login/", headers={"accept-language": "ur"})
    assert '<html lang="ur" dir="rtl">' in page.text
    assert 'name="language"' in page.text
    assert switch(client, "en", "/accounts/login/").status_code == 302
    assert '<html lang="en" dir="ltr">' in client.get("/accounts/login/", headers={"accept-language": "ur"}).text


def test_a_language_the_desk_does_not_offer_is_ignored(reviewer):
    client = client_for(reviewer)
    switch(client, "fr")
    assert not LanguagePreference.objects.filter(user=reviewer).exists()
    assert '<html lang="en" dir="ltr">' in client.get("/").text


def test_the_api_answers_in_english_whatever_the_users_language(reviewer):
    LanguagePreference.objects.create(user=reviewer, language="ur")
    client = client_for(reviewer)
    answer = client.get("/api/v1/annotations/999999/", headers={"accept-language": "ur"})
    assert answer.status_code == 404
    assert answer.json() == {"detail": "No Annotation matches the given query."} or answer.json()["detail"].isascii()
    assert answer.headers["Content-Language"] == "en"


def test_the_javascript_catalogue_is_served_in_the_pages_language(db):
    client = Client()
    catalogue = client.get("/i18n/js/?l=ur", headers={"accept-language": "ur"})
    assert catalogue.status_code == 200
    assert catalogue.headers["Content-Type"].startswith("text/javascript")
    assert "max-age=86400" in catalogue.headers["Cache-Control"]


def test_pages_ask_for_the_catalogue_of_this_deploys_strings(reviewer, tmp_path):
    """The catalogue is cached a day: its URL names the strings it holds, so that a deploy with new
    or changed JavaScript strings is not answered from the browser's cache with the old ones."""
    from annotations import languages

    version = languages.catalogue_version()
    page = client_for(reviewer).get("/", headers={"accept-language": "ur"})
    assert f'src="/i18n/js/?l=ur&amp;v={version}"' in page.content.decode()

    locale = tmp_path / "locale"
    shutil.copytree(ROOT / "locale", locale)
    languages.catalogue_version.cache_clear()
    try:
        with override_settings(LOCALE_PATHS=[locale]):
            assert languages.catalogue_version() == version  # same strings, same URL
            languages.catalogue_version.cache_clear()
            compiled = locale / "ur/LC_MESSAGES/djangojs.mo"
            compiled.write_bytes(compiled.read_bytes() + b"\0")
            assert languages.catalogue_version() != version
    finally:
        languages.catalogue_version.cache_clear()


def test_dates_and_numbers_read_the_urdu_way():
    from datetime import date

    from django.utils import formats, translation

    with translation.override("ur"):
        assert formats.date_format(date(2026, 12, 4)) == "4 دسمبر 2026"
        assert formats.number_format(1234567, force_grouping=True) == "1,234,567"
    with translation.override("en"):
        assert formats.date_format(date(2026, 12, 4)) == "Dec. 4, 2026"

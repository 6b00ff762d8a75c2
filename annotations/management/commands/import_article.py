"""manage.py import_article PATH: one .txt/.html file, a directory of them, or a JSON-lines file;
manage.py import_article --urls FILE: the web pages whose addresses FILE lists, one per line."""

from datetime import date
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotations import services
from annotations.importing import HTML_SUFFIXES, TEXT_SUFFIXES, read_document


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise CommandError(f"{value!r} is not a date; use YYYY-MM-DD.") from None


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(m for messages in error.message_dict.values() for m in messages)
    return " ".join(error.messages)


def _read_urls(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path} cannot be read as UTF-8 text: {exc}") from None
    urls = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not urls:
        raise CommandError(f"{path} lists no web addresses.")
    return urls


class Command(BaseCommand):
    help = (
        "Import articles: a .txt or .html file, a directory of such files, or a .jsonl file with one "
        '{"title", "body", "url", "publisher", "published_at", "language"} object per line; or, with '
        "--urls FILE, the web pages whose addresses FILE lists (one per line; # starts a comment)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, nargs="?")
        parser.add_argument(
            "--urls",
            type=Path,
            metavar="FILE",
            help="A text file of web addresses, one per line: each page is fetched and imported.",
        )
        parser.add_argument("--title", default="")
        parser.add_argument("--url", default="")
        parser.add_argument("--publisher", default="")
        parser.add_argument("--published", default="", help="YYYY-MM-DD")
        parser.add_argument("--language", default="", help="Default: the page's language (HTML), else en.")

    def handle(self, *args, path: Path | None, urls: Path | None, **options):
        if (path is None) == (urls is None):
            raise CommandError("Give a file or directory to import, or --urls FILE, not both.")
        if urls is not None:
            self._bulk([(url, lambda url=url: self._from_url(url, options)) for url in _read_urls(urls)])
            return
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in TEXT_SUFFIXES | HTML_SUFFIXES)
            self._bulk([(p.name, lambda p=p: self._from_file(p, {**options, "title": ""})) for p in files])
        elif path.suffix.lower() == ".jsonl":
            lines = path.read_text(encoding="utf-8").splitlines()
            items = [
                (f"{path.name}:{n}", lambda line=line: self._from_json(line))
                for n, line in enumerate(lines, 1)
                if line.strip()
            ]
            self._bulk(items)
        else:
            try:
                article = self._from_file(path, options)
            except ValidationError as exc:
                raise CommandError(_messages(exc)) from None
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported article #{article.pk} “{article.title}” with {article.sentences.count()} sentences."
                )
            )

    def _from_file(self, path: Path, options: dict):
        document = read_document(path.read_bytes(), filename=path.name)
        return services.article_import(
            title=options["title"] or document.title or path.stem.replace("-", " ").replace("_", " ").capitalize(),
            body=document.body,
            url=options["url"] or document.url,
            publisher=options["publisher"] or document.publisher,
            published_at=_parse_date(options["published"] or document.published_at),
            language=options["language"],
            imported_by=None,
        )

    def _from_url(self, url: str, options: dict):
        return services.article_import_from_url(
            url=url,
            publisher=options["publisher"],
            published_at=_parse_date(options["published"]),
            language=options["language"],
            imported_by=None,
        )

    def _from_json(self, line: str):
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"Not JSON: {exc.msg}.") from None
        if not isinstance(item, dict):
            raise ValidationError("Each line must be a JSON object.")
        return services.article_import(
            title=str(item.get("title") or ""),
            body=str(item.get("body") or ""),
            url=str(item.get("url") or ""),
            publisher=str(item.get("publisher") or ""),
            published_at=_parse_date(item.get("published_at")),
            language=str(item.get("language") or "en"),
            imported_by=None,
        )

    def _bulk(self, items):
        imported, failed = 0, []
        for name, load in tqdm(items, desc="Importing", unit="article", disable=not self.stdout.isatty()):
            try:
                load()
            except (ValidationError, CommandError, OSError) as exc:
                failed.append(f"{name}: {_messages(exc) if isinstance(exc, ValidationError) else exc}")
            else:
                imported += 1
        for line in failed:
            self.stderr.write(self.style.WARNING(f"Skipped {line}"))
        self.stdout.write(self.style.SUCCESS(f"Imported {imported} article(s); skipped {len(failed)}."))

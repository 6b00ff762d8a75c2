import base64
from dataclasses import dataclass
from datetime import date
import hashlib

from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .importing import read_document
from .models import COMMENT_LENGTH, Annotation, Assignment, ClaimantType, Relation, Source, State, Status, field_limit
from .parsing import BIGINT_MAX, parse_id
from .selectors import SEARCH_TYPES, SearchFilters, annotation_for, desk_search
from .services import SAME_CLAIM_UNKNOWN, NewSource, SourceLink

# Text fields take Urdu and other right-to-left text as well as English: each follows the direction of
# what is typed into it. (The verdict and review forms write their inputs by hand, with dir="auto".)
ANY_DIRECTION = {"dir": "auto"}

# What a source the reviewer adds in the form carries until the verdict is saved with it.
NEW_SOURCE_FIELDS = ("url", "title", "publisher", "published_at", "archive_url")


def source_line(source: Source | NewSource, relation: str = Relation.SUPPORTS, pinpoint: str = "") -> dict:
    """A line of the form's source list: a stored source, or a new one kept only if the verdict is saved."""
    is_new = isinstance(source, NewSource)
    key = f"new-{hashlib.sha256(source.url.encode()).hexdigest()[:8]}" if is_new else str(source.pk)
    return {"source": source, "is_new": is_new, "key": key, "relation": relation, "pinpoint": pinpoint}


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


class LoginForm(AuthenticationForm):
    """Django's log-in form; a username may be written in Urdu as well as in English."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(ANY_DIRECTION)


class ArticleImportForm(forms.Form):
    """A web address alone (the page is fetched), or the text pasted or a .txt/.html file uploaded,
    plus metadata."""

    field_order = ["url", "title", "publisher", "published_at", "language", "body", "file"]

    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Taken from the page (web address or HTML file) when left empty."),
        widget=forms.TextInput(attrs=ANY_DIRECTION),
    )
    url = forms.URLField(
        label=gettext_lazy("Web address"),
        max_length=2000,
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy(
            "Alone, without text or file: the page is fetched, with its title, publisher, date and language."
        ),
    )
    publisher = forms.CharField(
        label=gettext_lazy("Publisher"), max_length=200, required=False, widget=forms.TextInput(attrs=ANY_DIRECTION)
    )
    published_at = forms.DateField(
        label=gettext_lazy("Published"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    language = forms.CharField(
        label=gettext_lazy("Language"),
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={**ANY_DIRECTION, "placeholder": "en"}),
        help_text=gettext_lazy("Language code, such as en, ur, de, ar. Left empty: the page's language, else en."),
    )
    body = forms.CharField(
        label=gettext_lazy("Article text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, **ANY_DIRECTION}),
        help_text=gettext_lazy("Paste the text, one paragraph per line, or upload a file below."),
    )
    file = forms.FileField(
        label=gettext_lazy("…or upload a file"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(".txt or .html, UTF-8, at most %(size)s kB.") % {
            "size": f"{settings.FACTCHECK_MAX_ARTICLE_BYTES // 1000:,}"
        }

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        pasted = data.get("body") or ""
        if upload and pasted.strip():
            raise ValidationError(_("Paste the text or upload a file, not both."))
        if not upload and not pasted.strip():
            if data.get("url"):
                return data  # the page is fetched: title and the rest come from it unless given
            if "url" not in self.errors:
                self.add_error("body", _("Paste the article text, upload a file or give the page's web address."))
            return data
        if upload:
            if upload.size > settings.FACTCHECK_MAX_ARTICLE_BYTES:
                self.add_error(
                    "file",
                    _("The file is %(size)s bytes; the limit is %(limit)s bytes.")
                    % {"size": f"{upload.size:,}", "limit": f"{settings.FACTCHECK_MAX_ARTICLE_BYTES:,}"},
                )
                return data
            try:
                document = read_document(upload.read(), filename=upload.name)
            except ValidationError as exc:
                self.add_error("file", exc)
                return data
            data["body"] = document.body
            data["title"] = data.get("title") or document.title
            data["url"] = data.get("url") or document.url
            data["publisher"] = data.get("publisher") or document.publisher
            data["language"] = data.get("language") or document.language
        if not data.get("title"):
            self.add_error("title", _("Give the article a title."))
        return data

    def cleaned_data_for_import(self) -> dict:
        """The keyword arguments of services.article_import_or_fetch()."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "url": data.get("url") or "",
            "publisher": data.get("publisher") or "",
            "published_at": data.get("published_at"),
            "language": data.get("language") or "",
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the fields it names."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class AnnotationForm(forms.Form):
    """Parses a verdict from the page. The rules live in services.annotation_create/update."""

    start = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    end = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    quote = forms.CharField(widget=forms.HiddenInput, strip=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    status = forms.ChoiceField(
        choices=Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose alleged, denied, unverified or evidenced.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Why"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=field_limit(Annotation, "note"),
    )
    claimant = forms.CharField(
        label=gettext_lazy("Who makes the claim"), required=False, max_length=field_limit(Annotation, "claimant")
    )
    claimant_type = forms.ChoiceField(
        label=gettext_lazy("The claimant is"),
        required=False,
        choices=[("", gettext_lazy("Not said")), *ClaimantType.choices],
    )
    claim_date = forms.DateField(
        label=gettext_lazy("When the claim was made"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    denied_by = forms.CharField(
        label=gettext_lazy("Who denied it"), required=False, max_length=field_limit(Annotation, "denied_by")
    )
    # "Checked before": the earlier verdict this one checks the same claim as (radio inputs of that
    # name in the form). services.claim_link decides whether it may be linked.
    same_claim_as = forms.CharField(required=False, strip=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.source_rows: list[dict] = []
        self.source_errors: list[str] = []
        if editing:
            for name in ("start", "end", "quote"):
                self.fields[name].required = False

    def clean_same_claim_as(self) -> int | None:
        value = self.cleaned_data["same_claim_as"]
        if value in ("", None):
            return None
        pk = parse_id(value)
        if pk is None:
            raise ValidationError(str(SAME_CLAIM_UNKNOWN))
        return pk

    def clean(self):
        data = super().clean()
        fields = ("id", "relation", "pinpoint", *NEW_SOURCE_FIELDS)
        lists = {name: self.data.getlist(f"source_{name}") if hasattr(self.data, "getlist") else [] for name in fields}
        count = len(lists["id"])
        for name in NEW_SOURCE_FIELDS:  # a form with stored sources only may leave these out
            lists[name] = lists[name] or [""] * count
        if any(len(values) != count for values in lists.values()):
            raise ValidationError(_("The source list was incomplete. Reload the page and try again."))
        items = [dict(zip(fields, values, strict=True)) for values in zip(*lists.values(), strict=True)]
        if any(item["id"] and parse_id(item["id"]) is None for item in items):
            self.add_error(None, _("A source reference was not valid. Remove it and add it again."))
            return data
        found = Source.objects.in_bulk([parse_id(item["id"]) for item in items if item["id"]])
        rows = []
        for item in items:
            if item["id"]:
                source = found.get(parse_id(item["id"]))
                if source is None:
                    self.add_error(None, _("A linked source no longer exists. Remove it and add it again."))
                    continue
            else:
                published = item["published_at"]
                source = NewSource(
                    url=item["url"],
                    title=item["title"],
                    publisher=item["publisher"],
                    published_at=date.fromisoformat(published) if _is_date(published) else None,
                    archive_url=item["archive_url"],
                )
            rows.append(source_line(source, item["relation"], item["pinpoint"]))
        self.source_rows = rows
        return data

    @property
    def then_submit(self) -> bool:
        """The reviewer pressed "Save and submit": save, then send it to the editors' queue."""
        return self.data.get("then") == "submit"

    @property
    def based_on_version(self) -> int:
        """The version the edit was based on (0 when missing: refused as stale by the service)."""
        return self.cleaned_data["version"] or 0

    def verdict(self, *, span: bool = False) -> dict:
        """The keyword arguments of services.annotation_update (with the span: annotation_create)."""
        names = ("start", "end", "quote") * span + ("status", "note", "claimant", "claimant_type", "claim_date")
        names += ("denied_by",)
        verdict = {name: self.cleaned_data[name] for name in names} | {"sources": self.source_links()}
        if self.cleaned_data.get("same_claim_as") is not None:
            verdict["same_claim_as"] = self.cleaned_data["same_claim_as"]
        return verdict

    def source_links(self) -> list[SourceLink]:
        return [SourceLink(row["source"], row["relation"], row["pinpoint"]) for row in self.source_rows]

    def add_service_errors(self, error: ValidationError) -> None:
        """Field errors on their fields; source rules next to the sources; span errors on top."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for field, messages in error.message_dict.items():
            if field == "sources":
                self.source_errors.extend(messages)
                # Keep the form invalid for callers that check is_valid() again.
                self._errors.setdefault("__all__", self.error_class(error_class="nonfield"))
            elif field in {"status", "note", "claimant", "claimant_type", "claim_date", "denied_by", "same_claim_as"}:
                self.add_error(field, messages)
            else:
                self.add_error(None, messages)


class SourceForm(forms.Form):
    """A new source, typed into the verdict form."""

    url = forms.CharField(label="URL", max_length=field_limit(Source, "url"))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=field_limit(Source, "title"), required=False)
    publisher = forms.CharField(
        label=gettext_lazy("Publisher"), max_length=field_limit(Source, "publisher"), required=False
    )
    published_at = forms.DateField(
        label=gettext_lazy("Published"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    archive_url = forms.CharField(
        label=gettext_lazy("Archive URL"), max_length=field_limit(Source, "archive_url"), required=False
    )

    add_service_errors = ArticleImportForm.add_service_errors


class ReviewForm(forms.Form):
    """The fields of a review action: the version it is based on, a comment, and the editor's status."""

    version = forms.IntegerField(
        min_value=1, error_messages={"required": gettext_lazy("The form is missing its version: reload.")}
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("Keep the reviewer's status")), *Status.choices],
        required=False,
    )

    def typed(self, errors: dict[str, list[str]]) -> dict:
        """What the editor typed, and each message under its field ("all": the rest), to show the
        refused form again as it was sent."""
        by_field: dict[str, list[str]] = {}
        for field, messages in errors.items():
            by_field.setdefault(field if field in {"status", "comment"} else "all", []).extend(messages)
        return {"status": self.data.get("status", ""), "comment": self.data.get("comment", ""), "errors": by_field}


class LoginUnlockForm(forms.Form):
    """Which lock to lift: an account at an address, or (no username) every account at the address.
    The username is kept exactly as django-axes stored it."""

    address = forms.GenericIPAddressField()
    username = forms.CharField(required=False, strip=False, max_length=field_limit(AccessAttempt, "username"))


SEARCH_PAGE = 20
SEARCH_FILTERS = ("status", "state", "article", "reviewer", "publisher", "since", "until")
# How deep a search may page: relevance past a thousand results is noise, and each page's query
# reads and ranks every match before the ones it shows.
SEARCH_MAX_OFFSET = 1000


def search_cursor(offset: int) -> str:
    """The opaque `cursor` that asks the desk search for results from `offset` on."""
    return base64.urlsafe_b64encode(f"o={offset}".encode()).decode().rstrip("=")


def _search_offset(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    digits = text.removeprefix("o=")
    if not text.startswith("o=") or not digits.isascii() or not digits.isdigit() or len(digits) > 6:
        return None
    offset = int(digits)
    return offset if offset <= SEARCH_MAX_OFFSET and offset % SEARCH_PAGE == 0 else None


@dataclass(frozen=True)
class SearchPage:
    """One page of the desk search, and where the pages before and after it start (None: none)."""

    results: list[dict]
    previous: int | None
    next: int | None


class SearchForm(forms.Form):
    """The desk search's query string, read alike by the page and the API (`?q=&type=`, the
    filters, and `cursor`: an opaque token from a previous page's links)."""

    q = forms.CharField(required=False, max_length=1000, strip=True)
    type = forms.ChoiceField(choices=[(kind, kind) for kind in SEARCH_TYPES], required=False)
    status = forms.ChoiceField(choices=[("", gettext_lazy("any status")), *Status.choices], required=False)
    state = forms.ChoiceField(choices=[("", gettext_lazy("any state")), *State.choices], required=False)
    article = forms.IntegerField(min_value=1, max_value=BIGINT_MAX, required=False)
    reviewer = forms.IntegerField(min_value=1, max_value=BIGINT_MAX, required=False)
    publisher = forms.CharField(required=False, max_length=200, strip=True)
    since = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    until = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    cursor = forms.CharField(required=False, max_length=40, strip=False)

    def clean_cursor(self) -> int:
        cursor = self.cleaned_data["cursor"]
        if not cursor:
            return 0
        offset = _search_offset(cursor)
        if offset is None:
            raise ValidationError(_("This cursor is not valid: start again from the first page."))
        return offset

    def search(self, *, viewer, per_page: int = SEARCH_PAGE) -> SearchPage:
        """The page of selectors.desk_search that the cursor points at, for a valid form."""
        data = self.cleaned_data
        filters = SearchFilters(**{name: data[name] for name in SEARCH_FILTERS if data[name] not in (None, "")})
        offset = data["cursor"]
        results = desk_search(
            viewer=viewer,
            query=data["q"],
            type=data["type"] or "verdict",
            filters=filters,
            offset=offset,
            limit=per_page + 1,
        )
        more = len(results) > per_page and offset + per_page <= SEARCH_MAX_OFFSET
        return SearchPage(
            results=results[:per_page],
            previous=max(0, offset - per_page) if offset else None,
            next=offset + per_page if more else None,
        )


SIMILAR_TEXT_LENGTH = 2000
ID_MESSAGE = gettext_lazy("Give an id: a whole number from 1 to %(max)s.")


class SimilarForm(forms.Form):
    """What "Checked before" is asked about, read alike by the verdict panel and the API: a claim's
    `text` (and the `article` it is read in, left out of the answer), or a verdict's id
    (`annotation`: its quote; it and its article left out)."""

    text = forms.CharField(required=False, max_length=SIMILAR_TEXT_LENGTH, strip=True)
    article = forms.CharField(required=False)
    annotation = forms.CharField(required=False)
    named: Annotation | None = None  # the verdict `annotation` names, once claim() has read it

    def _id(self, name: str) -> int | None:
        value = self.cleaned_data.get(name, "")
        if value == "":
            return None
        number = parse_id(value)
        if number is None:
            raise ValidationError(ID_MESSAGE % {"max": BIGINT_MAX})
        return number

    def clean_article(self) -> int | None:
        return self._id("article")

    def clean_annotation(self) -> int | None:
        return self._id("annotation")

    def clean(self):
        data = super().clean()
        given = {name for name in ("text", "annotation") if data.get(name) not in (None, "")}
        if given == {"text", "annotation"}:
            self.add_error("annotation", _("Give the text of a claim or an annotation, not both."))
        elif not given and "text" not in self.errors and "annotation" not in self.errors:
            self.add_error("text", _("Give the text of a claim, or an annotation's id."))
        return data

    def claim(self, *, viewer) -> dict | None:
        """The arguments of selectors.similar_verdicts for a valid form; None when the annotation
        named is not one this viewer may see."""
        data = self.cleaned_data
        if data["annotation"] is None:
            return {"text": data["text"], "exclude_article": data["article"]}
        annotation = annotation_for(viewer=viewer, pk=data["annotation"])
        if annotation is None:
            return None
        self.named = annotation
        return {"text": annotation.quote, "exclude_annotation": annotation.pk, "exclude_article": data["article"]}


class AssignmentForm(forms.Form):
    """An editor's assignment of an article: the page and the API read the same fields; the rules
    are services.assignment_create's."""

    reviewer = forms.CharField(max_length=150)
    due = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    note = forms.CharField(required=False, max_length=field_limit(Assignment, "note"), strip=True)

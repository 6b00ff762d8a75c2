from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from .importing import read_document


class ArticleImportForm(forms.Form):
    """Paste the text or upload a .txt/.html file, plus metadata."""

    title = forms.CharField(
        max_length=300, required=False, help_text="Taken from the page for HTML files when left empty."
    )
    url = forms.URLField(label="Source URL", max_length=2000, required=False, assume_scheme="https")
    publisher = forms.CharField(max_length=200, required=False)
    published_at = forms.DateField(label="Published", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    language = forms.CharField(max_length=16, initial="en", help_text="Language code, such as en, ur, de, ar.")
    body = forms.CharField(
        label="Article text",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Paste the text, one paragraph per line, or upload a file below.",
    )
    file = forms.FileField(
        label="…or upload a file",
        required=False,
        help_text=f".txt or .html, UTF-8, at most {settings.FACTCHECK_MAX_ARTICLE_BYTES // 1000:,} kB.",
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        pasted = data.get("body") or ""
        if upload and pasted.strip():
            raise ValidationError("Paste the text or upload a file, not both.")
        if not upload and not pasted.strip():
            self.add_error("body", "Paste the article text or upload a file.")
            return data
        if upload:
            if upload.size > settings.FACTCHECK_MAX_ARTICLE_BYTES:
                self.add_error(
                    "file",
                    f"The file is {upload.size:,} bytes; the limit is {settings.FACTCHECK_MAX_ARTICLE_BYTES:,} bytes.",
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
        if not data.get("title"):
            self.add_error("title", "Give the article a title.")
        return data

    def cleaned_data_for_import(self) -> dict:
        """The keyword arguments of services.article_import()."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "url": data.get("url") or "",
            "publisher": data.get("publisher") or "",
            "published_at": data.get("published_at"),
            "language": data.get("language") or "en",
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the fields it names."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)

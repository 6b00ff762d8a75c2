from django.contrib import admin

from .models import Article, Sentence


class SentenceInline(admin.TabularInline):
    model = Sentence
    fields = ["index", "paragraph", "start", "end", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "publisher", "published_at", "language", "imported_by", "imported_at"]
    list_filter = ["language", "publisher", "imported_at"]
    search_fields = ["title", "publisher", "url", "body_sha256"]
    date_hierarchy = "imported_at"
    readonly_fields = ["body", "body_sha256", "language", "imported_by", "imported_at"]
    fields = [
        "title",
        "url",
        "publisher",
        "published_at",
        "language",
        "body",
        "body_sha256",
        "imported_by",
        "imported_at",
    ]
    inlines = [SentenceInline]

    def has_add_permission(self, request) -> bool:
        # Articles come in through the import page or `manage.py import_article`,
        # which normalise and segment the body.
        return False


@admin.register(Sentence)
class SentenceAdmin(admin.ModelAdmin):
    list_display = ["article", "index", "paragraph", "start", "end", "text"]
    list_filter = ["article__language"]
    search_fields = ["article__title"]
    list_select_related = ["article"]
    readonly_fields = ["article", "index", "paragraph", "start", "end", "text"]
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

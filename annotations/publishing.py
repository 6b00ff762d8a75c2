"""What travels beyond the desk: the Atom feed of approved verdicts, the sitemap of the public pages
and robots.txt. What is public is decided once, by selectors.visibility_filter(published=True),
through selectors.published_articles and selectors.published_verdicts."""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from . import records, selectors
from .exporters import claimreview
from .models import Annotation, Article

FEED_ITEMS = 50


class ApprovedVerdictsFeed(Feed):
    """The latest approved verdicts, each linking to its card on its article's public page."""

    feed_type = Atom1Feed
    description_template = None

    def title(self) -> str:
        return f"{settings.FACTCHECK_ORGANIZATION_NAME or 'factcheck'}: approved fact-checks"

    def subtitle(self) -> str:
        return "Verdicts checked by a second editor. A verdict rates how well a claim is established."

    def link(self) -> str:
        return reverse("annotations:factcheck-index")

    def author_name(self) -> str | None:
        return settings.FACTCHECK_ORGANIZATION_NAME or None

    def author_link(self) -> str | None:
        return settings.FACTCHECK_ORGANIZATION_URL or None

    def items(self) -> list[Annotation]:
        return selectors.published_verdicts(limit=FEED_ITEMS)

    def item_title(self, item: Annotation) -> str:
        rating = claimreview.rating_name({"status": item.status, "denied_by": item.denied_by})
        return f"{rating}: “{records.excerpt(item.quote, 120)}”"

    def item_description(self, item: Annotation) -> str:
        lines = [f"On “{item.article.title}”."]
        if item.claimant:
            lines.append(f"Claimed by {item.claimant}.")
        if item.note:
            lines.append(item.note)
        return "\n".join(lines)

    def item_link(self, item: Annotation) -> str:
        return f"{reverse('annotations:factcheck-page', args=[item.article_id])}#claim-{item.pk}"

    def item_pubdate(self, item: Annotation):
        return item.first_approved_at or item.reviewed_at

    def item_updateddate(self, item: Annotation):
        return item.reviewed_at


class FactcheckSitemap(Sitemap):
    """Each article's public page with at least one approved verdict."""

    def items(self):
        return selectors.published_articles()

    def location(self, item: Article) -> str:
        return reverse("annotations:factcheck-page", args=[item.pk])

    def lastmod(self, item: Article):
        return item.last_approved


class IndexSitemap(Sitemap):
    """The public index of fact-checks."""

    def items(self) -> list[str]:
        return ["annotations:factcheck-index"]

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS = {"index": IndexSitemap, "factchecks": FactcheckSitemap}


def robots_txt(*, sitemap_url: str) -> str:
    """Crawlers may read the public pages (the index, each fact-check, the feed) and nothing of the
    desk's: everything else is disallowed (and asks for a log-in anyway)."""
    public = reverse("annotations:factcheck-index")
    return "\n".join(
        ["User-agent: *", f"Allow: {public}", "Allow: /sitemap.xml", "Disallow: /", "", f"Sitemap: {sitemap_url}", ""]
    )

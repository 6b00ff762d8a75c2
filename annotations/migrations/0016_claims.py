"""Claims across articles (issue 17, part 4): a Claim groups the verdicts that check the same
statement; Annotation.claim (nullable, PROTECT) names it; two event kinds record each link and
unlink. A nullable column is added in place on SQLite (no table rebuild), so the search triggers of
migration 0013 on the verdict table stay as they are."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0015_sentence_article_check"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="annotationevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "Created"),
                    ("edit", "Edited"),
                    ("submit", "Submitted"),
                    ("approve", "Approved"),
                    ("request_changes", "Returned for changes"),
                    ("reopen", "Reopened"),
                    ("delete", "Deleted"),
                    ("restore", "Restored"),
                    ("reanchor", "Re-anchored"),
                    ("claim_link", "Linked to a claim"),
                    ("claim_unlink", "Removed from a claim"),
                ],
                max_length=20,
            ),
        ),
        migrations.CreateModel(
            name="Claim",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
            },
        ),
        migrations.AddField(
            model_name="annotation",
            name="claim",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appearances",
                to="annotations.claim",
            ),
        ),
    ]

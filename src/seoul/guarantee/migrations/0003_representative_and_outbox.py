"""The applicant as the business's representative (identity CI hash and verified name, the
business confirmation and its consent), one application in progress per confirmed business,
and notifications sent after commit (status, attempts, when claimed and sent)."""

from django.db import migrations, models
from django.db.models import F


def sent_before(apps, schema_editor):
    # Messages recorded before this migration were sent inside the transaction: they went out.
    Notification = apps.get_model("guarantee", "Notification")
    Notification.objects.update(status="sent", sent_at=F("created_at"), attempts=1)


class Migration(migrations.Migration):
    dependencies = [
        ("guarantee", "0002_approved_amount"),
    ]

    operations = [
        migrations.AddField(
            model_name="identity",
            name="ci_index",
            field=models.CharField(blank=True, db_index=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="identity",
            name="name",
            field=models.CharField(blank=True, max_length=50),
        ),
        migrations.AddField(
            model_name="application",
            name="business_consent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="application",
            name="business_consent_text",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="application",
            name="business_confirmed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name="application",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("business_confirmed_at__isnull", False),
                    (
                        "state__in",
                        [
                            "agreement_signed",
                            "approved",
                            "certificate_issued",
                            "draft",
                            "more_info_requested",
                            "referred",
                            "screening",
                            "submitted",
                        ],
                    ),
                ),
                fields=("brn_index",),
                name="guarantee_one_open_application_per_business",
            ),
        ),
        migrations.RenameField(model_name="notification", old_name="sent_at", new_name="created_at"),
        migrations.AddField(
            model_name="notification",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting to be sent"),
                    ("sending", "Being sent"),
                    ("sent", "Sent"),
                    ("failed", "Not sent yet (will be retried)"),
                ],
                db_index=True,
                default="pending",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="notification",
            name="last_error",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.RunPython(sent_before, migrations.RunPython.noop),
    ]

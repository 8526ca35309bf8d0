"""The opt-out link's token kept on each long-tail recipient, so that the public opt-out page
finds the recipient by an indexed lookup instead of hashing every id ever texted."""

from django.db import migrations, models


def fill_tokens(apps, schema_editor):  # type: ignore[no-untyped-def]
    from seoul.tracing.actions.long_tail import opt_out_token

    Recipient = apps.get_model("tracing", "MassTextRecipient")
    for row in list(Recipient.objects.filter(stop_token="").only("pk", "presence_id")):
        Recipient.objects.filter(pk=row.pk).update(stop_token=opt_out_token(row.presence_id))


class Migration(migrations.Migration):
    dependencies = [("tracing", "0007_classification_monitoring_linelists_long_tail")]

    operations = [
        migrations.AddField(
            model_name="masstextrecipient",
            name="stop_token",
            field=models.CharField(
                db_index=True,
                default="",
                help_text="the opt-out link's keyed hash of the id (actions/long_tail.py)",
                max_length=32,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
    ]

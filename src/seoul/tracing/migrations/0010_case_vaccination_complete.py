from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tracing", "0009_timeline_entry_district")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="vaccination_complete",
            field=models.BooleanField(
                blank=True,
                help_text="vaccination complete by the definition of the time (release rules from 2022-01-26); empty: not known",
                null=True,
            ),
        ),
    ]

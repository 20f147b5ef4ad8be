from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_list_and_report_indexes")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="open_pa_min_suspends",
            field=models.DateField(blank=True, null=True),
        ),
    ]

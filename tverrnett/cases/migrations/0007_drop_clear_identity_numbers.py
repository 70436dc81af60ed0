from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_encrypt_identity_numbers"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="person",
            name="cases_perso_identit_0150cc_idx",
        ),
        migrations.RemoveField(
            model_name="person",
            name="identity_number",
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["identity_number_hash"], name="cases_perso_identit_6db724_idx"
            ),
        ),
    ]

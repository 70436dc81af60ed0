"""Encrypt the national identity numbers already stored (issue 18, item 10).

Adds the encrypted column and the keyed hash beside the clear one, fills them from it
and empties it; the next migration drops the clear column. Needs IDENTITY_KEY_FILE
(generated in development). Reversible: going back decrypts into the clear column.
"""

from django.db import migrations, models

from tverrnett.cases import identity_encryption


def encrypt_identity_numbers(apps, schema_editor):
    Person = apps.get_model("cases", "Person")
    people = Person.objects.using(schema_editor.connection.alias)
    rows = people.exclude(identity_number="").values_list("pk", "identity_number")
    for pk, number in rows.iterator():
        people.filter(pk=pk).update(
            identity_number_encrypted=identity_encryption.encrypt(number),
            identity_number_hash=identity_encryption.keyed_hash(number),
            identity_number="",
        )


def decrypt_identity_numbers(apps, schema_editor):
    Person = apps.get_model("cases", "Person")
    people = Person.objects.using(schema_editor.connection.alias)
    rows = people.exclude(identity_number_encrypted="").values_list(
        "pk", "identity_number_encrypted"
    )
    for pk, stored in rows.iterator():
        people.filter(pk=pk).update(
            identity_number=identity_encryption.decrypt(stored),
            identity_number_encrypted="",
            identity_number_hash="",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_team_member_asked_for"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="identity_number_encrypted",
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name="person",
            name="identity_number_hash",
            field=models.CharField(blank=True, editable=False, max_length=100),
        ),
        migrations.RunPython(encrypt_identity_numbers, decrypt_identity_numbers),
    ]

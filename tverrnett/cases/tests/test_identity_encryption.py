"""National identity numbers are encrypted at rest, with a keyed hash for exact matches
(issue 18, item 10; tverrnett.cases.identity_encryption)."""

import io
import stat
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tverrnett.cases import checks, identity_encryption, search, services
from tverrnett.cases.models import ConcernCase, Person
from tverrnett.core import keyfiles

FNR = "15076500565"  # valid per python-stdnum (15 July 1965)
OTHER = "01019012345"


def raw_people():
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_person")
        return cursor.fetchall()


@pytest.fixture
def numbers_recorded(owner_agency):
    owner_agency.records_identity_numbers = True
    owner_agency.save()


@pytest.fixture
def key_file(tmp_path, settings):
    """A key file of the test's own, so rotating it leaves the suite's key alone."""
    settings.IDENTITY_KEY_FILE = str(tmp_path / "identity.key")
    identity_encryption.reload()
    yield tmp_path / "identity.key"
    identity_encryption.reload()


def test_the_database_holds_no_identity_number_in_clear_text(register, numbers_recorded):
    case = register(
        person={
            "name": "Ola",
            "identity_number": f"{FNR[:6]} {FNR[6:]}",
            "identity_number_reason": "Samordning med barnevernet.",
        }
    )

    rows = raw_people()
    assert rows
    for row in rows:
        for value in row:
            assert FNR not in str(value) and FNR[:6] + " " + FNR[6:] not in str(value)
    assert Person.objects.get(pk=case.subject_id).identity_number == FNR


def test_the_same_number_encrypts_differently_and_hashes_the_same():
    first, second = identity_encryption.encrypt(FNR), identity_encryption.encrypt(FNR)

    assert first != second
    assert identity_encryption.decrypt(first) == identity_encryption.decrypt(second) == FNR
    assert identity_encryption.keyed_hash(FNR) == identity_encryption.keyed_hash(
        f"{FNR[:6]}-{FNR[6:]}"
    )
    assert identity_encryption.keyed_hash(FNR) != identity_encryption.keyed_hash(OTHER)


def test_a_changed_value_does_not_open():
    key_id, _, token = identity_encryption.encrypt(FNR).partition(":")
    changed = f"{key_id}:{token[:-4]}AAAA"

    with pytest.raises(identity_encryption.UndecryptableIdentityNumber):
        identity_encryption.decrypt(changed)


def test_search_and_duplicate_check_find_the_number(register, numbers_recorded, owner):
    case = register(
        person={"name": "Ola", "identity_number": FNR, "identity_number_reason": "Samordning."}
    )

    found = search.search_by_identity_number(
        owner, ConcernCase.objects.all(), f"{FNR[:6]} {FNR[6:]}", allowed=True
    )
    assert found == [case.pk]
    assert list(services.find_possible_duplicates(owner, identity_number=FNR)) == [case]
    assert not services.find_possible_duplicates(owner, identity_number=OTHER).exists()


def test_rotation_re_encrypts_every_number_and_keeps_finding_them(key_file):
    old = Person.objects.create(name="Ola", identity_number=FNR, identity_number_reason="Grunn.")
    old_key = identity_encryption.current().key_id

    # A new current key, before anything is re-encrypted: the old row still matches.
    keyfiles.append_new_key(key_file)
    identity_encryption.reload()
    assert old_key != identity_encryption.current().key_id
    assert (
        Person.objects.filter(
            identity_number_hash__in=identity_encryption.hashes_to_match(FNR)
        ).get()
        == old
    )

    call_command("identity_key", "--reencrypt", stdout=io.StringIO())

    new_key = identity_encryption.current().key_id
    stored = Person.objects.values_list("identity_number_encrypted", "identity_number_hash").get()
    assert all(value.startswith(f"{new_key}:") for value in stored)
    assert Person.objects.get().identity_number == FNR
    assert Person.objects.get(identity_number_hash=identity_encryption.keyed_hash(FNR)) == old


def test_identity_key_rotate_appends_a_key_and_re_encrypts(key_file, capsys):
    person = Person.objects.create(name="Ola", identity_number=FNR, identity_number_reason="G.")
    before = Person.objects.values_list("identity_number_encrypted", flat=True).get()

    call_command("identity_key", "--rotate")

    output = capsys.readouterr().out
    assert "Re-encrypted 1 identity numbers" in output and "0 still under an older key" in output
    assert len(identity_encryption._load()) == 2
    person.refresh_from_db()
    assert person.identity_number_encrypted != before
    assert person.identity_number == FNR
    assert FNR not in output


def test_identity_key_create_refuses_to_overwrite(key_file):
    call_command("identity_key", "--create", stdout=io.StringIO())

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with pytest.raises(Exception, match="exists already"):
        call_command("identity_key", "--create")


def test_a_missing_key_file_is_an_error_in_production(key_file, settings):
    settings.IDENTITY_KEY_GENERATE = False

    assert [message.id for message in checks.identity_key_file(None)] == ["cases.E001"]


def test_a_key_file_others_can_read_is_a_warning(key_file):
    key_file.write_text(keyfiles.new_line())
    key_file.chmod(0o644)

    assert [message.id for message in checks.identity_key_file(None)] == ["cases.W001"]


def test_the_key_never_shows_in_its_repr():
    key = identity_encryption.current()

    assert key.secret.hex() not in repr(key) and key.key_id in repr(key)


def _migration(suffix):
    loader = MigrationLoader(connection)
    [name] = [
        name for app, name in loader.disk_migrations if app == "cases" and name.endswith(suffix)
    ]
    return loader, name, loader.disk_migrations[("cases", name)]


def test_the_migration_encrypts_numbers_stored_in_clear_text():
    loader, name, migration = _migration("_encrypt_identity_numbers")
    module = __import__(type(migration).__module__, fromlist=["encrypt_identity_numbers"])
    historical = loader.project_state(("cases", name)).apps
    # The clear column as it was before the encryption; gone when the test's
    # transaction is rolled back.
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE cases_person ADD COLUMN identity_number varchar(11) NOT NULL DEFAULT ''"
        )
        clear = Person.objects.create(name="Ola")
        Person.objects.create(name="Kari")
        cursor.execute(
            "UPDATE cases_person SET identity_number = %s WHERE id = %s", [FNR, clear.pk]
        )

    module.encrypt_identity_numbers(historical, SimpleNamespace(connection=connection))

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT identity_number, identity_number_encrypted, identity_number_hash "
            "FROM cases_person ORDER BY id"
        )
        ola, kari = cursor.fetchall()
    assert ola[0] == "" and FNR not in ola[1] + ola[2]
    assert identity_encryption.decrypt(ola[1]) == FNR
    assert ola[2] == identity_encryption.keyed_hash(FNR)
    assert kari == ("", "", "")

    module.decrypt_identity_numbers(historical, SimpleNamespace(connection=connection))

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT identity_number, identity_number_encrypted FROM cases_person WHERE id = %s",
            [clear.pk],
        )
        assert cursor.fetchone() == (FNR, "")

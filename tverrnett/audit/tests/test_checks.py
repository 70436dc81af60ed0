from tverrnett.audit import checks, keys


def test_a_readable_private_key_file_passes(settings, tmp_path):
    path = tmp_path / "audit.key"
    path.write_text(keys.new_line())
    path.chmod(0o600)
    settings.AUDIT_KEY_FILE = str(path)

    assert checks.audit_key_file(None) == []


def test_a_key_file_others_can_read_is_warned_about(settings, tmp_path):
    path = tmp_path / "audit.key"
    path.write_text(keys.new_line())
    path.chmod(0o644)
    settings.AUDIT_KEY_FILE = str(path)

    assert [message.id for message in checks.audit_key_file(None)] == ["audit.W002"]


def test_a_missing_or_malformed_key_is_an_error_in_production(settings, tmp_path):
    settings.AUDIT_KEY_GENERATE = False
    settings.AUDIT_KEY_FILE = str(tmp_path / "missing.key")
    assert [message.id for message in checks.audit_key_file(None)] == ["audit.E002"]

    malformed = tmp_path / "malformed.key"
    malformed.write_text("k1 not-hex\n")
    settings.AUDIT_KEY_FILE = str(malformed)
    errors = checks.audit_key_file(None)
    assert [message.id for message in errors] == ["audit.E002"]
    assert "not-hex" not in errors[0].msg  # never echo what could be a secret

"""Anchors: the newest seal's hash, copied out of the database.

`manage.py anchor_audit` seals what is pending and appends the head (position,
hash, last entry, time, key id) as one JSON line to a file per day in
`AUDIT_ANCHOR_DIR`, and to syslog when `AUDIT_ANCHOR_SYSLOG` is on. Operators ship
those files to another machine (docs/security.md); `verify_audit` checks the log
against every anchor it finds, so a log cut short before the last anchor, or a
rewritten seal, no longer matches.
"""

import json
import logging
import logging.handlers
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from tverrnett.audit.models import AuditSeal

FILE_PREFIX = "audit-anchors-"

syslog = logging.getLogger("tverrnett.audit.anchor")


def write_anchor(now=None):
    """Append the current head to today's anchor file; return the anchor written (None
    while nothing is sealed)."""
    seal = AuditSeal.objects.order_by("-position").first()
    if seal is None:
        return None
    now = now or timezone.now()
    anchor = {
        "position": seal.position,
        "seal_hash": seal.seal_hash,
        "last_entry_id": seal.last_entry_id,
        "sealed_at": seal.sealed_at.isoformat(),
        "time": now.isoformat(),
        "key_id": seal.key_id,
    }
    line = json.dumps(anchor, sort_keys=True, separators=(",", ":")) + "\n"
    directory = Path(settings.AUDIT_ANCHOR_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{FILE_PREFIX}{now:%Y-%m-%d}.jsonl"
    # O_APPEND: each line lands whole at the end even with two writers.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        os.write(descriptor, line.encode("ascii"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if settings.AUDIT_ANCHOR_SYSLOG:
        _syslog_handler()
        syslog.info("tverrnett-audit-anchor %s", line.strip())
    return anchor


def _syslog_handler():
    if not syslog.handlers:
        address = "/dev/log" if Path("/dev/log").exists() else ("localhost", 514)
        syslog.addHandler(logging.handlers.SysLogHandler(address=address))
        syslog.setLevel(logging.INFO)
        syslog.propagate = False


def read_anchors(directory=None):
    """Every anchor in the directory's files, oldest file first. A line that is not a
    well-formed anchor is returned as {"unreadable": "<file>:<line>"}."""
    directory = Path(directory or settings.AUDIT_ANCHOR_DIR)
    if not directory.is_dir():
        return []
    anchors = []
    for path in sorted(directory.glob(f"{FILE_PREFIX}*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), 1):
            if not line.strip():
                continue
            try:
                anchor = json.loads(line)
                int(anchor["position"]), str(anchor["seal_hash"]), int(anchor["last_entry_id"])
            except (ValueError, KeyError, TypeError):
                anchor = {"unreadable": f"{path.name}:{number}"}
            anchors.append(anchor)
    return anchors

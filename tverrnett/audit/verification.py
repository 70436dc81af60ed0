"""Verifying the audit log (`manage.py verify_audit`).

1. The seals: positions without a gap, each linking to the one before, each hash
   matching its content and each MAC holding under its key.
2. The entries, read once as the database writes them (COPY on PostgreSQL): each
   seal has exactly the entries it names, and their rows hash to its rows hash.
   Where a seal does not match, its entries are checked one by one (MAC,
   presence) to name the exact entry.
3. The entries not sealed yet: each MAC on its own.
4. The anchors outside the database: each names a seal the log still has, unchanged.

A problem names the entry (or seal) and what is wrong. The report lists the
entries' problems first, in the log's order, so the first problem names the first
bad entry; a seal or anchor is named only where no entry explains it.
"""

import bisect
from collections import defaultdict
from dataclasses import dataclass, field

from tverrnett.audit import anchors, authentication, keys
from tverrnett.audit.models import AuditSeal
from tverrnett.audit.sealing import every_row_leaf, mac_problems


@dataclass(order=True)
class Problem:
    sort_key: tuple
    message: str = field(compare=False)

    @classmethod
    def entry(cls, entry_id, reason):
        return cls((0, entry_id), f"audit entry {entry_id} {reason}")

    @classmethod
    def seal(cls, seal, reason):
        return cls((1, seal["first_entry_id"]), f"audit seal {seal['position']} {reason}")


@dataclass
class Report:
    entries: int = 0
    sealed: int = 0
    seals: int = 0
    anchors: int = 0
    unsealed: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def intact(self):
        return not self.problems

    def first_problem(self):
        return min(self.problems).message if self.problems else None


_SEAL_FIELDS = ("id", "mac", "seal_hash", *authentication.SEAL_FIELDS)


def verify_log():
    report = Report()
    seals = list(AuditSeal.objects.order_by("position").values(*_SEAL_FIELDS))
    report.seals = len(seals)
    chain_problems, suspects = _check_seal_chain(seals)
    report.problems += chain_problems
    intervals, overlap_problems = _intervals(seals)
    report.problems += overlap_problems
    _check_entries(seals, intervals, suspects, report)
    _check_anchors(seals, report)
    return report


def _check_seal_chain(seals):
    """Problems with the seals themselves, and the indexes of the seals that have one
    (their entries are then checked one by one, to name an entry if one is bad)."""
    problems = []
    suspects = set()
    previous_hash = authentication.GENESIS_HASH
    expected_position = 1
    for index, seal in enumerate(seals):
        if seal["position"] != expected_position:
            problems.append(
                Problem.seal(seal, f"follows seal {expected_position - 1}: seals are missing")
            )
        elif seal["prev_hash"] != previous_hash:
            problems.append(Problem.seal(seal, "does not link to the seal before it"))
        if not authentication.same(authentication.seal_hash(seal), seal["seal_hash"]):
            problems.append(Problem.seal(seal, "content does not match its hash"))
        else:
            try:
                key = keys.by_id(seal["key_id"])
            except keys.UnknownKey:
                problems.append(Problem.seal(seal, f"names key {seal['key_id']!r}, unknown"))
            else:
                expected = authentication.seal_mac(key.secret, seal["seal_hash"])
                if not authentication.same(expected, seal["mac"]):
                    problems.append(Problem.seal(seal, "does not match its MAC"))
        if problems and problems[-1].message.startswith(f"audit seal {seal['position']} "):
            suspects.add(index)
            seal["suspect"] = True
        previous_hash = seal["seal_hash"]
        expected_position = seal["position"] + 1
    return problems, suspects


def _intervals(seals):
    intervals = sorted(
        (start, end, index)
        for index, seal in enumerate(seals)
        for start, end in authentication.decode_ranges(seal["entry_ids"])
    )
    problems = []
    for before, after in zip(intervals, intervals[1:], strict=False):
        if after[0] <= before[1]:
            problems.append(Problem.entry(after[0], "is claimed by two seals"))
    return intervals, problems


def _check_entries(seals, intervals, suspects, report):
    """Read every row once, in the database's order, and hand each to the seal whose
    ranges hold its id; a seal is checked as soon as it has all its rows, so only the
    seals being read are in memory. Explaining a mismatch needs the database, which
    the running COPY holds: those seals wait until the end."""
    starts = [interval[0] for interval in intervals]
    buckets = {}
    finished = set()
    to_explain = defaultdict(list)  # seal index -> ids of its rows
    unsealed = []
    bisect_right = bisect.bisect_right
    # The interval of the row before: rows mostly come in id order, so most rows fall
    # in it and need no search.
    low, high, index, bucket, count = 1, 0, None, None, 0
    for batch in every_row_leaf():
        report.entries += len(batch)
        for row in batch:
            entry_id = row[0]
            if entry_id < low or entry_id > high:
                k = bisect_right(starts, entry_id) - 1
                if k < 0 or entry_id > intervals[k][1]:
                    unsealed.append(entry_id)
                    continue
                low, high, index = intervals[k]
                bucket = None if index in finished else buckets.setdefault(index, [])
                count = seals[index]["entry_count"]
            if bucket is None:  # one row too many for a finished seal: an id twice
                to_explain[index].append(entry_id)
                continue
            bucket.append(row)
            if len(bucket) == count:
                del buckets[index]
                finished.add(index)
                if index in suspects or not _rows_match(seals[index], bucket):
                    to_explain[index] += [entry_id for entry_id, _leaf in bucket]
                bucket = None
    for index, bucket in buckets.items():  # rows missing
        to_explain[index] += [entry_id for entry_id, _leaf in bucket]
    for index in suspects - finished - set(buckets):  # no row left at all
        to_explain[index] += []
    report.sealed = report.entries - len(unsealed)
    report.unsealed = sorted(unsealed)
    for index, ids in to_explain.items():
        report.problems += _explain(seals[index], sorted(ids))
    report.problems += [
        Problem.entry(entry_id, reason) for entry_id, reason in mac_problems(report.unsealed)
    ]


def _rows_match(seal, rows):
    rows.sort()
    return authentication.encode_ids([entry_id for entry_id, _leaf in rows]) == seal[
        "entry_ids"
    ] and authentication.same(
        authentication.rows_hash([leaf for _id, leaf in rows]), seal["rows_hash"]
    )


def _explain(seal, present_ids):
    """The seal does not match its rows, or is itself suspect: name the entry."""
    problems = []
    present = set(present_ids)
    for start, end in authentication.decode_ranges(seal["entry_ids"]):
        for entry_id in range(start, end + 1):
            if entry_id not in present:
                problems.append(
                    Problem.entry(entry_id, f"is missing (sealed in seal {seal['position']})")
                )
    if len(present) < len(present_ids):
        for entry_id in sorted(present):
            if present_ids.count(entry_id) > 1:
                problems.append(Problem.entry(entry_id, "appears more than once"))
    problems += [Problem.entry(entry_id, reason) for entry_id, reason in mac_problems(present)]
    if not problems and not seal.get("suspect"):
        problems.append(
            Problem.seal(
                seal,
                "does not match its entries' rows though each entry's MAC holds "
                "(a column outside the MAC was changed)",
            )
        )
    return problems


def _check_anchors(seals, report):
    by_position = {seal["position"]: seal for seal in seals}
    for anchor in anchors.read_anchors():
        report.anchors += 1
        if "unreadable" in anchor:
            report.problems.append(Problem((2, 0), f"anchor {anchor['unreadable']} cannot be read"))
            continue
        seal = by_position.get(int(anchor["position"]))
        if seal is None:
            report.problems.append(
                Problem(
                    (2, int(anchor["last_entry_id"])),
                    f"the log was cut short: the anchor of {anchor.get('time', '?')} names "
                    f"seal {anchor['position']} (entries up to {anchor['last_entry_id']}), "
                    "which the log no longer has",
                )
            )
        elif not authentication.same(seal["seal_hash"], str(anchor["seal_hash"])):
            report.problems.append(
                Problem.seal(seal, f"differs from the anchor of {anchor.get('time', '?')}")
            )

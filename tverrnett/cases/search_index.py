"""The indexes behind the case list's text search (issue 22, item 1).

A search names the person (typos allowed) or words of the common summary. Both are
asked of an index first, and the answers are sets of ids that `views._search` ties to
the visibility rule and to the part of the case that must be open:

- names: a case-insensitive substring, or a word similarity of at least
  WORD_SIMILARITY_THRESHOLD between the search and some stretch of the name, measured
  on trigrams (three-letter pieces of each word, the way PostgreSQL's pg_trgm counts
  them). "Fiktivsn" and "Fiktivesen" find "Kari Fiktivsen".
- the summary: every word of the search, as the start of a word in the summary; on
  PostgreSQL also in another inflection (the `norwegian` text search configuration
  stems both sides, so "videoene" finds "videoer").

PostgreSQL (production) keeps a GIN trigram index on `cases_person.name` (pg_trgm,
used by ILIKE and by the word-similarity operator `%>`, whose threshold is pg_trgm's
`pg_trgm.word_similarity_threshold`, 0.6 unless a DBA changed it) and a GIN index on
`to_tsvector('norwegian', summary)`; the queries below use the indexed expressions
exactly as written in migration 0011.

SQLite (`make run`, half of CI) has no pg_trgm and no Norwegian stemmer. Two FTS5
tables, kept right by triggers on every insert, change and delete (migration 0011),
take their place: `cases_person_name_fts` (the `trigram` tokenizer) gives the people
who share enough of the search's trigrams to reach the threshold at all, and
`name_matches` below, registered on every SQLite connection as `tn_name_matches`,
keeps those whose name holds the search or comes within the same threshold;
`cases_case_summary_fts` (the `unicode61` tokenizer) matches each word as a prefix.
Both databases run the same tests (tests/test_search.py).
"""

import math
import re

from django.db import connection
from django.db.models.expressions import RawSQL

# pg_trgm's default `pg_trgm.word_similarity_threshold`; the SQLite fallback uses the same.
WORD_SIMILARITY_THRESHOLD = 0.6

# pg_trgm's words: runs of letters and digits.
_WORD = re.compile(r"[^\W_]+")


def _words(text):
    return _WORD.findall((text or "").lower())


def trigrams(text):
    """The trigrams of `text` in order, as pg_trgm makes them: each word lower-cased and
    padded with two spaces in front and one behind."""
    grams = []
    for word in _words(text):
        padded = f"  {word} "
        grams.extend(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def word_similarity(search, text):
    """pg_trgm's word_similarity(search, text): the greatest share of trigrams in common
    between `search` and a continuous stretch of `text`'s trigrams, counted as
    common / (trigrams of the search + those of the stretch - common)."""
    wanted = set(trigrams(search))
    if not wanted:
        return 0.0
    grams = trigrams(text)
    best = 0.0
    # A best stretch starts and ends on a trigram in common; names are short.
    starts = [i for i, gram in enumerate(grams) if gram in wanted]
    for start in starts:
        seen, common = set(), 0
        for gram in grams[start:]:
            if gram in seen:
                continue
            seen.add(gram)
            if gram in wanted:
                common += 1
                best = max(best, common / (len(wanted) + len(seen) - common))
    return best


def _needed(count):
    """How many of `count` trigrams a text must share to reach the threshold at all:
    common / (count + stretch - common) <= common / count."""
    return math.ceil(WORD_SIMILARITY_THRESHOLD * count - 1e-9)


def name_matches(search, name):
    """The rule the SQLite fallback applies to each person the FTS5 index offers."""
    if not search or not name:
        return False
    if search.casefold() in name.casefold():
        return True
    wanted = set(trigrams(search))
    # Most names the index offers share a trigram or two; they go without the full count.
    if not wanted or len(wanted & set(trigrams(name))) < _needed(len(wanted)):
        return False
    return word_similarity(search, name) >= WORD_SIMILARITY_THRESHOLD


def register_sqlite_functions(sender, connection, **kwargs):
    """`connection_created` receiver: the SQLite fallback's match rule in SQL."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "tn_name_matches",
            2,
            lambda search, name: int(name_matches(search, name)),
            deterministic=True,
        )


def _like_pattern(text):
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts5_phrase(text):
    return '"' + text.replace('"', '""') + '"'


def person_ids_named(search):
    """Ids of the people whose name matches `search`, as a subquery."""
    if connection.vendor == "postgresql":
        # Both conditions use the trigram index (a BitmapOr of two index scans).
        return RawSQL(
            "SELECT id FROM cases_person WHERE name ILIKE %s OR name %%> %s",
            [_like_pattern(search), search],
        )
    # SQLite: the FTS5 trigram tokenizer pads nothing, so the index knows the trigrams
    # inside the search's words. A name within the threshold shares at least
    # _needed(all the search's trigrams) of them, the padded ones (at most three a word)
    # aside; the index counts those per person, and `tn_name_matches` decides on the
    # few left. A substring match always has every inner trigram.
    wanted = set(trigrams(search))
    inner = sorted(gram for gram in wanted if " " not in gram)
    if not inner:
        # Words of one or two letters: nothing for the index; every name is checked
        # (the quick count rejects most). Only small databases see such searches often.
        return RawSQL("SELECT id FROM cases_person WHERE tn_name_matches(%s, name)", [search])
    padded = len(wanted) - len(inner)
    needed = max(1, _needed(len(wanted)) - padded)
    hits = " UNION ALL ".join(
        "SELECT rowid FROM cases_person_name_fts WHERE cases_person_name_fts MATCH %s"
        for _gram in inner
    )
    # The text is all constants; the search's pieces go as parameters.
    return RawSQL(  # noqa: S611
        f"SELECT id FROM cases_person WHERE id IN (SELECT rowid FROM ({hits}) "  # noqa: S608
        "GROUP BY rowid HAVING count(*) >= %s) AND tn_name_matches(%s, name)",
        [*(_fts5_phrase(gram) for gram in inner), needed, search],
    )


def case_ids_summarised(search):
    """Ids of the cases whose summary holds every word of `search` (as a word's start;
    on PostgreSQL in any inflection), as a subquery; None when the search has no word."""
    words = _words(search)
    if not words:
        return None
    if connection.vendor == "postgresql":
        # Each word stemmed and as a prefix: `to_tsquery('norwegian', 'videoene:*')` is
        # 'video':*. The words are letters and digits only, so nothing in them is syntax.
        return RawSQL(
            "SELECT id FROM cases_concerncase "
            "WHERE to_tsvector('norwegian'::regconfig, summary) "
            "@@ to_tsquery('norwegian'::regconfig, %s)",
            [" & ".join(f"{word}:*" for word in words)],
        )
    return RawSQL(
        "SELECT rowid FROM cases_case_summary_fts WHERE cases_case_summary_fts MATCH %s",
        [" AND ".join(_fts5_phrase(word) + "*" for word in words)],
    )


# SQLite: the FTS5 tables, and the triggers that keep them right ---------------------

_SQLITE_INDEXES = {
    # FTS5 table: (its definition, its source table, the column, the triggers)
    "cases_person_name_fts": (
        "CREATE VIRTUAL TABLE IF NOT EXISTS cases_person_name_fts "
        "USING fts5(name, tokenize = 'trigram')",
        "cases_person",
        "name",
    ),
    "cases_case_summary_fts": (
        "CREATE VIRTUAL TABLE IF NOT EXISTS cases_case_summary_fts "
        "USING fts5(summary, tokenize = 'unicode61 remove_diacritics 0')",
        "cases_concerncase",
        "summary",
    ),
}


# The table and column names below are the constants above, never input (S608).


def _sqlite_triggers(fts, source, column):
    """The three triggers of one FTS5 table, by name. Empty texts are not indexed."""
    insert = (
        f"INSERT INTO {fts} (rowid, {column}) SELECT new.id, new.{column} WHERE new.{column} != '';"
    )
    delete = f"DELETE FROM {fts} WHERE rowid = old.id;"  # noqa: S608
    return {
        f"{fts}_insert": f"AFTER INSERT ON {source} BEGIN {insert} END",
        f"{fts}_update": f"AFTER UPDATE OF {column} ON {source} BEGIN {delete} {insert} END",
        f"{fts}_delete": f"AFTER DELETE ON {source} BEGIN {delete} END",
    }


def ensure_sqlite_index(connection):
    """Create what is missing of the FTS5 tables and their triggers, and fill a table
    again from its source whenever it or one of its triggers was missing (Django's
    SQLite schema editor rebuilds a table for many changes, which drops its triggers).
    Runs in migration 0011 and after every `migrate`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
        for fts, (definition, source, column) in _SQLITE_INDEXES.items():
            if source not in present:
                continue  # migrating backwards, or not yet there
            triggers = _sqlite_triggers(fts, source, column)
            if fts in present and present.issuperset(triggers):
                continue
            cursor.execute(definition)
            for name, body in triggers.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(f"CREATE TRIGGER {name} {body}")
            cursor.execute(f"DELETE FROM {fts}")  # noqa: S608
            cursor.execute(
                f"INSERT INTO {fts} (rowid, {column}) "  # noqa: S608
                f"SELECT id, {column} FROM {source} WHERE {column} != ''"
            )


def drop_sqlite_index(connection):
    with connection.cursor() as cursor:
        for fts, (_definition, source, column) in _SQLITE_INDEXES.items():
            for name in _sqlite_triggers(fts, source, column):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {fts}")


def ensure_sqlite_index_after_migrate(sender, using="default", **kwargs):
    """`post_migrate` receiver (see ensure_sqlite_index)."""
    from django.db import connections

    if connections[using].vendor == "sqlite":
        ensure_sqlite_index(connections[using])

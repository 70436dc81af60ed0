# One date style across the interface (issue 21 item 15): "7. des. 2026", "kl. 07.15".
# The other formats (input formats, numbers) are Django's own for the language.
DATE_FORMAT = r"j. N Y"
TIME_FORMAT = r"\k\l. H.i"
DATETIME_FORMAT = r"j. N Y \k\l. H.i"

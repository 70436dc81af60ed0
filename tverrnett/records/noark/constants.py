"""What the modules of the Noark 5 archival package share: the package's layout, the
XML namespaces and schemas, and the values of the standard's code lists."""

from pathlib import Path

# The vendored schemas stay beside this package, in tverrnett/records/schemas/.
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
PACKAGE_DIR = "avleveringspakke"  # Noark 5 v5.0, krav 6.4.15
DOCUMENT_DIR = "DOKUMENT"  # the same requirement names the documents' folder
MANIFEST_NAME = "manifest-sha256.txt"
LANGUAGE = "nb"  # documents and metadata are written in bokmål
SYSTEM_NAME = "Tverrnett"

ADDML = "http://www.arkivverket.no/standarder/addml"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
N5 = "http://www.arkivverket.no/standarder/noark5/"
NAMESPACES = {
    "arkivstruktur": N5 + "arkivstruktur",
    "endringslogg": N5 + "endringslogg",
    "loependeJournal": N5 + "loependeJournal",
    "offentligJournal": N5 + "offentligJournal",
    "arkivuttrekk": ADDML,
}
SCHEMAS = {
    "arkivstruktur": "arkivstruktur.xsd",
    "endringslogg": "endringslogg.xsd",
    "loependeJournal": "loependeJournal.xsd",
    "offentligJournal": "offentligJournal.xsd",
    "arkivuttrekk": "addml.xsd",
}

# Values from the standard's code lists (Noark 5 v5.0, vedlegg 1: M051, M052, M053,
# M082, M087, M217, M500, M502, M503, M700, M706). They are data of the standard, in
# Norwegian whatever the interface language, so they are not translated.
ARCHIVE_PART_CLOSED = "Avsluttet periode"
ARCHIVE_PART_ACTIVE = "Aktiv periode"
CASE_OPEN = "Under behandling"
CASE_CLOSED = "Avsluttet"
RECORD_ARCHIVED = "Arkivert"
INCOMING = "Inngående dokument"
OUTGOING = "Utgående dokument"
INTERNAL = "Organinternt dokument uten oppfølging"
SENDER, RECIPIENT, INTERNAL_SENDER = "Avsender", "Mottaker", "Intern avsender"
MAIN_DOCUMENT = "Hoveddokument"
DOCUMENT_FINISHED = "Dokumentet er ferdigstilt"
ARCHIVE_VARIANT = "Arkivformat"
ELECTRONIC = "Elektronisk arkiv"
CHECKSUM_ALGORITHM = "SHA256"  # M706: "Algoritmen som skal brukes inntil videre er SHA256"
# PDF/A-2b in the PRONOM register, which M701 names as the source of format values.
PDF_A_2B = "fmt/477"
PDF_A_2B_DETAILS = "PDF/A-2b (ISO 19005-2:2011)"
# Concern cases are exempt from public access: the duty of confidentiality of
# forvaltningsloven § 13 applies, so offentleglova § 13 exempts them (and names in them).
RESTRICTION = "Unntatt offentlighet"
RESTRICTION_AUTHORITY = "Offl. § 13, jf. fvl. § 13"
SCREENED_METADATA = (
    "Skjerming navn part i sak",
    "Skjerming navn avsender",
    "Skjerming navn mottaker",
    "Skjerming merknadstekst",
)
SCREENED_DOCUMENT = "Skjerming av hele dokumentet"
SCREENED = "Skjermet"  # what the public journal shows instead of a name

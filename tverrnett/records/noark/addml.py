"""arkivuttrekk.xml, the ADDML description of the Noark 5 archival package."""

from django.utils.translation import gettext as _

from .constants import SYSTEM_NAME
from .xml import _Builder, _day, endringslogg

# arkivuttrekk.xml (ADDML) -------------------------------------------------------------


def arkivuttrekk(context, writer, has_journal):
    """arkivuttrekk.xml after Arkivverket's Noark 5 template (Noark 5 v5.0, vedlegg 5):
    the creator, the system, the archive, the period, the package's facts and the
    checksum and counts of each XML file and schema. The documents' checksums are in
    arkivstruktur.xml (dokumentobjekt), as the standard has them; the manifest beside
    the package lists every file."""
    x = _Builder("arkivuttrekk", "addml")
    x.root.set("name", "Noark 5-arkivuttrekk")
    dataset = x.add(x.root, "dataset")
    x.add(dataset, "description", "Noark 5-arkivuttrekk")
    reference = x.add(dataset, "reference")
    context_elements = x.add(x.add(reference, "context"), "additionalElements")
    creators = x.add(context_elements, "additionalElement", name="recordCreators")
    creator = x.add(
        x.add(creators, "additionalElements"), "additionalElement", name="recordCreator"
    )
    x.add(creator, "value", context.agency.name)
    for name, value in (
        ("systemType", "Fagsystem"),
        ("systemName", SYSTEM_NAME),
        ("archive", _("Tverrnett: concern cases about violent extremism")),
    ):
        x.add(x.add(context_elements, "additionalElement", name=name), "value", value)
    content = x.add(x.add(reference, "content"), "additionalElements")
    period = x.add(content, "additionalElement", name="archivalPeriod")
    period_properties = x.add(period, "properties")
    for name, day in (("startDate", context.start), ("endDate", context.end)):
        x.add(x.add(period_properties, "property", name=name), "value", _day(day))

    outer = x.add(x.add(dataset, "dataObjects"), "dataObject", name="Noark 5-arkivuttrekk")
    info = x.add(x.add(outer, "properties"), "property", name="info")
    info_properties = x.add(info, "properties")
    kind = x.add(info_properties, "property", name="type")
    x.add(kind, "value", "Noark 5")
    _property(x, x.add(kind, "properties"), "version", "5.0")
    additional = x.add(x.add(info_properties, "property", name="additionalInfo"), "properties")
    period_info = x.add(x.add(additional, "property", name="periode"), "properties")
    # No periodisation: a package holds the cases closed when it was made; the open ones
    # stay in the system (the soft boundary, "mykt skille").
    _property(x, period_info, "inngaaendeSkille", "mykt")
    _property(x, period_info, "utgaaendeSkille", "mykt")
    _property(x, additional, "inneholderSkjermetInformasjon", "true", "boolean")
    _property(x, additional, "omfatterDokumenterSomErKassert", "false", "boolean")
    _property(x, additional, "inneholderDokumenterSomSkalKasseres", "false", "boolean")
    _property(x, additional, "inneholderVirksomhetsspesifikkeMetadata", "false", "boolean")
    _property(x, additional, "antallDokumentfiler", writer.document_count, "integer")

    objects = x.add(outer, "dataObjects")
    folders = len(context.folders)
    records = sum(len(folder.records) for folder in context.folders)
    changes = len(endringslogg(context))
    files = [
        ("arkivstruktur", [("mappe", folders), ("registrering", records)]),
        ("endringslogg", [("endring", changes)]),
    ]
    if has_journal:
        files += [
            ("loependeJournal", [("journalregistrering", records)]),
            ("offentligJournal", [("journalregistrering", records)]),
        ]
    for name, counts in files:
        _file_object(x, objects, name, writer, counts)
    return x.root


def _property(x, parent, name, value, data_type=None):
    attributes = {"name": name}
    if data_type:
        attributes["dataType"] = data_type
    element = x.add(parent, "property", **attributes)
    x.add(element, "value", value)
    return element


def _file_properties(x, parent, file):
    properties = x.add(x.add(parent, "property", name="file"), "properties")
    _property(x, properties, "name", file.path)
    file_format = _property(x, properties, "format", "XML")
    _property(x, x.add(file_format, "properties"), "version", "1.0")
    checksum = x.add(x.add(properties, "property", name="checksum"), "properties")
    _property(x, checksum, "algorithm", "SHA-256")
    _property(x, checksum, "value", file.sha256)


def _file_object(x, parent, name, writer, counts):
    data_object = x.add(parent, "dataObject", name=name)
    properties = x.add(data_object, "properties")
    _file_properties(x, properties, writer.files[f"{name}.xml"])
    for schema_name, main in ((f"{name}.xsd", True), ("metadatakatalog.xsd", False)):
        schema_property = x.add(properties, "property", name="schema")
        if main:
            x.add(schema_property, "value", "main")
        schema_properties = x.add(schema_property, "properties")
        _file_properties(x, schema_properties, writer.files[schema_name])
        schema_type = _property(x, schema_properties, "type", "XML Schema")
        _property(x, x.add(schema_type, "properties"), "version", "1.0")
    info = x.add(x.add(properties, "property", name="info"), "properties")
    for element, count in counts:
        occurrences = _property(x, info, "numberOfOccurrences", element)
        occurrence_properties = x.add(occurrences, "properties")
        _property(x, occurrence_properties, "elementPath", f"//{element}")
        _property(x, occurrence_properties, "value", count, "integer")

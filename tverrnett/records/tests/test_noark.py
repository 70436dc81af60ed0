"""The Noark 5 archival package (tverrnett/records/noark/): the demo exit case and a
small case made from the plan fixtures, written, validated against Arkivverket's schemas,
and checked file by file."""

import hashlib
import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from lxml import etree
from pypdf import PdfReader

from tverrnett.cases import services as case_services
from tverrnett.cases.models import CaseState, ConcernCase, Confidentiality, JournalEntry
from tverrnett.plans import services as plan_services
from tverrnett.plans.tests.conftest import *  # noqa: F403  (the case, consent and plan fixtures)
from tverrnett.records import noark

N5 = "http://www.arkivverket.no/standarder/noark5/"
AS = {"n": N5 + "arkivstruktur"}
ADDML = {"a": "http://www.arkivverket.no/standarder/addml"}
IDENTITY_NUMBER = "01019912345"  # not a real identity number: made up for the test


@pytest.fixture
def archive_dir(tmp_path, settings):
    settings.RECORDS_ARCHIVE_DIR = str(tmp_path / "archive")
    return tmp_path / "archive"


def closed(case):
    """The case as closed. Closing goes through its own rules (an exit case's checklist,
    the measures' evaluations), tested where they live; here only the result matters."""
    ConcernCase.objects.filter(pk=case.pk).update(state=CaseState.CLOSED, closed_at=timezone.now())
    return ConcernCase.objects.get(pk=case.pk)


def package_files(manifest):
    return manifest.directory / noark.PACKAGE_DIR


def parse(path):
    return etree.parse(str(path))


def assert_valid(package):
    for kind, file_name in [
        ("arkivstruktur", "arkivstruktur.xml"),
        ("endringslogg", "endringslogg.xml"),
        ("loependeJournal", "loependeJournal.xml"),
        ("offentligJournal", "offentligJournal.xml"),
        ("arkivuttrekk", "arkivuttrekk.xml"),
    ]:
        schema = etree.XMLSchema(etree.parse(str(package / noark.SCHEMAS[kind])))
        assert schema.validate(parse(package / file_name)), (file_name, schema.error_log)


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def assert_checksums(manifest):
    package = package_files(manifest)
    # arkivstruktur.xml: every document object's file, checksum and size.
    objects = parse(package / "arkivstruktur.xml").findall(".//n:dokumentobjekt", AS)
    assert objects
    for item in objects:
        path = package / item.findtext("n:referanseDokumentfil", namespaces=AS)
        assert path.is_file()
        assert item.findtext("n:sjekksum", namespaces=AS) == sha256(path)
        assert item.findtext("n:sjekksumAlgoritme", namespaces=AS) == "SHA256"
        assert int(item.findtext("n:filstoerrelse", namespaces=AS)) == path.stat().st_size
    # arkivuttrekk.xml: every XML file and schema it names.
    described = {}
    for file_property in parse(package / "arkivuttrekk.xml").iterfind(
        ".//a:property[@name='file']", ADDML
    ):
        name = file_property.findtext(
            "a:properties/a:property[@name='name']/a:value", namespaces=ADDML
        )
        value = file_property.findtext(
            "a:properties/a:property[@name='checksum']/a:properties/a:property[@name='value']/a:value",
            namespaces=ADDML,
        )
        described[name] = value
    assert set(described) == {
        "arkivstruktur.xml",
        "arkivstruktur.xsd",
        "metadatakatalog.xsd",
        "endringslogg.xml",
        "endringslogg.xsd",
        "loependeJournal.xml",
        "loependeJournal.xsd",
        "offentligJournal.xml",
        "offentligJournal.xsd",
    }
    for name, value in described.items():
        assert value == sha256(package / name), name
    # The manifest: every file in the package, and its own checksum is the package's.
    manifest_path = manifest.directory / noark.MANIFEST_NAME
    assert sha256(manifest_path) == manifest.checksum
    lines = manifest_path.read_text(encoding="utf-8").splitlines()
    listed = {}
    for line in lines:
        checksum, relative = line.split("  ", 1)
        listed[relative] = checksum
    on_disk = {
        path.relative_to(manifest.directory).as_posix()
        for path in package.rglob("*")
        if path.is_file()
    }
    assert set(listed) == on_disk
    for relative, checksum in listed.items():
        assert sha256(manifest.directory / relative) == checksum


def assert_pdf_a(manifest):
    documents = sorted((package_files(manifest) / noark.DOCUMENT_DIR).rglob("*.pdf"))
    assert documents
    for path in documents:
        reader = PdfReader(io.BytesIO(path.read_bytes()))
        xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
        assert "pdfaid:part" in xmp, path.name
        assert 'pdfaid:part="2"' in xmp or "<pdfaid:part>2</pdfaid:part>" in xmp, path.name
        for page in reader.pages:
            fonts = page["/Resources"].get("/Font", {})
            for font in fonts.values():
                descendant = font.get_object()
                if "/DescendantFonts" in descendant:
                    descendant = descendant["/DescendantFonts"][0].get_object()
                descriptor = descendant["/FontDescriptor"].get_object()
                assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), path.name
    return documents


# The demo exit case --------------------------------------------------------------


@pytest.fixture
def demo_exit_case(db, settings):
    settings.DEBUG = True  # the demo data is for development only; the command checks
    call_command("seed_demo", stdout=StringIO())
    settings.DEBUG = False
    return closed(ConcernCase.objects.get(subject__name="Eksempel Exitsen (fiktiv)"))


@pytest.mark.django_db
def test_it_writes_a_valid_package_of_the_demo_exit_case(demo_exit_case, archive_dir):
    case = demo_exit_case
    actor = case.created_by
    manifest = noark.write_package(
        [case], archive_dir / "pakke-1", created_by=actor, agency=case.created_agency
    )
    package = package_files(manifest)
    assert manifest.case_ids == (case.pk,)
    assert manifest.directory == (archive_dir / "pakke-1").resolve()
    assert_valid(package)
    assert_checksums(manifest)
    documents = assert_pdf_a(manifest)

    structure = parse(package / "arkivstruktur.xml")
    folders = structure.findall(".//n:mappe", AS)
    assert [folder.findtext("n:mappeID", namespaces=AS) for folder in folders] == [case.reference]
    folder = folders[0]
    assert folder.findtext("n:saksstatus", namespaces=AS) == "Avsluttet"
    # The name is where Noark puts parties, not in the title.
    assert "Exitsen" not in folder.findtext("n:tittel", namespaces=AS)
    assert folder.findtext("n:part/n:partNavn", namespaces=AS) == "Eksempel Exitsen (fiktiv)"
    assert folder.findtext("n:part/n:partRolle", namespaces=AS) == "Klient"

    titles = [
        post.findtext("n:tittel", namespaces=AS) for post in folder.findall("n:registrering", AS)
    ]
    entries = JournalEntry.objects.filter(case=case, supersedes__isnull=True).count()
    assert entries >= 4  # the background items of the exit work, at least
    assert sum(title.startswith("Journalnotat") for title in titles) == entries
    assert sum(title.startswith("Samtykke") for title in titles) == case.consents.count() >= 1
    versions = sum(plan.versions.count() for plan in case.individual_plans.all())
    assert sum(title.startswith("Individuell plan") for title in titles) == versions >= 1
    assert len(documents) == entries + case.consents.count() + versions
    assert manifest.counts == {
        "mappe": 1,
        "registrering": len(titles),
        "dokumentfiler": len(documents),
    }


@pytest.mark.django_db
def test_it_screens_everything_in_the_public_journal(demo_exit_case, archive_dir):
    case = demo_exit_case
    manifest = noark.write_package(
        [case], archive_dir / "pakke", created_by=case.created_by, agency=case.created_agency
    )
    package = package_files(manifest)
    public = (package / "offentligJournal.xml").read_text(encoding="utf-8")
    running = (package / "loependeJournal.xml").read_text(encoding="utf-8")
    assert "Exitsen" not in public
    # The journal's head names the archive creator, whose journal it is; the entries
    # name nobody, not even the agencies that wrote.
    public_ns = {"o": N5 + "offentligJournal"}
    for registration in parse(package / "offentligJournal.xml").iterfind(
        "o:journalregistrering", public_ns
    ):
        text = etree.tostring(registration, encoding="unicode")
        assert case.coordinator_role.agency.name not in text
        assert "Nav Drammen" not in text
    for name in parse(package / "offentligJournal.xml").iterfind(
        ".//{%s}korrespondansepartNavn" % (N5 + "offentligJournal")
    ):
        assert name.text == noark.SCREENED
    assert "Unntatt offentlighet" in public and "Offl. § 13, jf. fvl. § 13" in public
    # The running journal is the agency's own: it names the parties.
    assert "Eksempel Exitsen (fiktiv)" in running


# A small case from the fixtures ----------------------------------------------------


@pytest.fixture
def small_case(owner, plan_case, complete_plan, write):
    """The plan fixtures' case: a consent, a plan finalised once, and a journal entry
    corrected once; the person has an identity number."""
    plan_services.finalise(owner, complete_plan, version=complete_plan.version)
    entry = write(plan_case, "Første versjon av notatet.")
    case_services.correct_journal_entry(
        owner,
        entry,
        text="Rettet versjon av notatet.",
        confidentiality=Confidentiality.CONFIDENTIAL,
        reason="Feil dato i første versjon.",
    )
    person = plan_case.subject
    person.identity_number = IDENTITY_NUMBER
    person.save()
    return closed(plan_case)


@pytest.mark.django_db
def test_it_archives_a_small_case_with_a_corrected_entry(
    small_case, owner, owner_agency, archive_dir
):
    manifest = noark.write_package(
        [small_case], archive_dir / "liten", created_by=owner, agency=owner_agency
    )
    package = package_files(manifest)
    assert_valid(package)
    assert_checksums(manifest)
    assert_pdf_a(manifest)
    structure = parse(package / "arkivstruktur.xml")
    # The corrected entry is one journalpost with two versions of its document.
    versions = [
        [int(number) for number in post.xpath(".//n:versjonsnummer/text()", namespaces=AS)]
        for post in structure.iterfind(".//n:registrering", AS)
        if post.findtext("n:tittel", namespaces=AS).startswith("Journalnotat")
    ]
    assert versions == [[1, 2]]
    assert "Feil dato i første versjon." in structure.xpath(
        "//n:merknadstekst/text()", namespaces=AS
    )
    changes = parse(package / "endringslogg.xml").getroot()
    metadata = [change[1].text for change in changes]
    assert "versjonsnummer" in metadata
    assert "saksstatus" not in metadata  # closed by the test, not through the timeline
    assert metadata[-1] == "arkivdelstatus"


@pytest.mark.django_db
def test_the_identity_number_is_only_the_partID(small_case, owner, owner_agency, archive_dir):
    manifest = noark.write_package(
        [small_case], archive_dir / "id", created_by=owner, agency=owner_agency
    )
    package = package_files(manifest)
    structure = parse(package / "arkivstruktur.xml")
    assert structure.xpath("//n:part/n:partID/text()", namespaces=AS) == [IDENTITY_NUMBER]
    for path in package.rglob("*"):
        if path.is_file() and path.name != "arkivstruktur.xml":
            data = path.read_bytes()
            assert IDENTITY_NUMBER.encode() not in data, path.name
            if path.suffix == ".pdf":
                text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
                assert IDENTITY_NUMBER not in text.replace(" ", ""), path.name


@pytest.mark.django_db
def test_it_refuses_an_open_case_and_leaves_nothing(case, owner, owner_agency, archive_dir):
    with pytest.raises(noark.PackageError):
        noark.write_package([case], archive_dir / "x", created_by=owner, agency=owner_agency)
    assert not (archive_dir / "x").exists()


@pytest.mark.django_db
def test_it_writes_only_a_new_folder_under_the_archive(
    case, owner, owner_agency, archive_dir, tmp_path
):
    case = closed(case)
    with pytest.raises(noark.PackageError):
        noark.write_package([case], tmp_path / "elsewhere", created_by=owner, agency=owner_agency)
    (archive_dir / "exists").mkdir(parents=True)
    with pytest.raises(FileExistsError):
        noark.write_package([case], archive_dir / "exists", created_by=owner, agency=owner_agency)


@pytest.mark.django_db
def test_a_case_without_journalposts_has_no_journals(case, owner, owner_agency, archive_dir):
    manifest = noark.write_package(
        [closed(case)], archive_dir / "tom", created_by=owner, agency=owner_agency
    )
    package = package_files(manifest)
    assert not (package / "loependeJournal.xml").exists()
    for kind in ("arkivstruktur", "endringslogg", "arkivuttrekk"):
        schema = noark.schema(kind)
        assert schema.validate(parse(package / f"{kind}.xml")), schema.error_log


@pytest.mark.django_db
def test_a_package_that_does_not_validate_is_removed(
    case, owner, owner_agency, archive_dir, monkeypatch
):
    monkeypatch.setattr(noark.xml, "CASE_CLOSED", "")  # saksstatus may not be empty
    monkeypatch.setattr(noark._Builder, "opt", noark._Builder.add)
    with pytest.raises(noark.PackageError, match="arkivstruktur"):
        noark.write_package(
            [closed(case)], archive_dir / "feil", created_by=owner, agency=owner_agency
        )
    assert not (archive_dir / "feil").exists()

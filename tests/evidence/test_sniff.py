"""Evidence types are decided by content: every accepted kind passes, anything else (or a name
that disagrees with the content) is refused with a message that says what the file really is."""

from __future__ import annotations

from collections.abc import Callable

import filetype
import pytest

from register.evidence import EvidenceRefused, sniff_bytes
from tests.evidence import files

ACCEPTED = [
    (files.pdf, "resignation letter.pdf", "application/pdf", "pdf"),
    (files.png, "share transfer.png", "image/png", "png"),
    (files.jpeg, "scan.jpg", "image/jpeg", "jpg"),
    (files.jpeg, "scan.JPEG", "image/jpeg", "jpg"),
    (files.gif, "stamp.gif", "image/gif", "gif"),
    (
        files.docx,
        "letter.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    (files.doc, "letter.doc", "application/msword", "doc"),
    (
        files.xlsx,
        "awards.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    (files.xls, "awards.xls", "application/vnd.ms-excel", "xls"),
]


@pytest.mark.parametrize(("build", "name", "content_type", "extension"), ACCEPTED)
def test_every_accepted_type(
    build: Callable[[], bytes], name: str, content_type: str, extension: str
) -> None:
    kind = sniff_bytes(build(), name)
    assert (kind.content_type, kind.extension) == (content_type, extension)


@pytest.mark.parametrize(
    ("build", "what"),
    [
        (files.elf, "a Linux program (ELF executable)"),
        (files.windows_exe, "a Windows program (PE executable)"),
    ],
)
def test_a_renamed_executable_is_refused_naming_what_it_is(
    build: Callable[[], bytes], what: str
) -> None:
    with pytest.raises(EvidenceRefused) as refused:
        sniff_bytes(build(), "letter.pdf")
    assert str(refused.value).startswith(f"letter.pdf is not a PDF document: its content is {what}")


def test_an_executable_with_its_own_name_is_refused() -> None:
    with pytest.raises(EvidenceRefused, match=r"^setup.exe cannot be attached: it is a Windows"):
        sniff_bytes(files.windows_exe(), "setup.exe")


def test_a_zip_that_is_not_an_office_document_is_refused() -> None:
    with pytest.raises(EvidenceRefused, match="a zip archive, not a Word or Excel document"):
        sniff_bytes(files.zip_archive(), "letter.docx")


def test_a_zip_named_like_word_inside_but_without_content_types_is_refused() -> None:
    # filetype alone calls this a Word document: its first entry is under word/.
    fake = files.ooxml({"word/document.xml": "<w:document/>", "payload.exe": files.windows_exe()})
    assert filetype.guess(fake).extension == "docx"
    with pytest.raises(EvidenceRefused, match="a zip archive, not a Word or Excel document"):
        sniff_bytes(fake, "letter.docx")


def test_a_powerpoint_presentation_is_refused() -> None:
    pptx = files.docx(
        main="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
    )
    with pytest.raises(EvidenceRefused, match="its content is a PowerPoint presentation"):
        sniff_bytes(pptx, "slides.docx")


def test_macros_are_refused() -> None:
    docm = files.docx(extra={"word/vbaProject.bin": b"\x00" * 32})
    with pytest.raises(EvidenceRefused, match="an Office document with macros"):
        sniff_bytes(docm, "letter.docx")
    legacy = files.compound_file({"WordDocument": b"\xec\xa5\xc1\x00"}, storages=("Macros",))
    with pytest.raises(EvidenceRefused, match="an Office document with macros"):
        sniff_bytes(legacy, "letter.doc")


def test_legacy_office_files_are_told_apart_by_their_streams_not_their_first_sector() -> None:
    # filetype guesses PowerPoint for both from one sector; the directory says Word and Excel.
    assert filetype.guess(files.doc()).extension == "ppt"
    assert sniff_bytes(files.doc(), "a.doc").extension == "doc"
    assert sniff_bytes(files.xls(), "a.xls").extension == "xls"


def test_a_compound_file_whose_fat_is_listed_in_a_difat_sector() -> None:
    big = files.compound_file({"Workbook": b"\x09\x08"}, fat_in_difat_sector=True)
    assert sniff_bytes(big, "awards.xls").extension == "xls"


@pytest.mark.parametrize(
    ("streams", "message"),
    [
        ({"EncryptedPackage": b"x", "EncryptionInfo": b"x"}, "is protected by a password"),
        ({"PowerPoint Document": b"x"}, "a PowerPoint 97-2003 presentation"),
        ({"MsiDigitalSignatureEx": b"x"}, "neither a Word nor an Excel document"),
    ],
)
def test_other_compound_files_are_refused(streams: dict[str, bytes], message: str) -> None:
    with pytest.raises(EvidenceRefused, match=message):
        sniff_bytes(files.compound_file(streams), "letter.doc")


@pytest.mark.parametrize(
    "damaged",
    [
        files.doc()[:600],  # cut short: the directory is missing
        files.doc()[:512] + b"\xff" * 4096,  # a FAT of free sectors
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
    ],
)
def test_a_damaged_compound_file_is_refused(damaged: bytes) -> None:
    with pytest.raises(EvidenceRefused, match="a damaged Office 97-2003 file"):
        sniff_bytes(damaged, "letter.doc")


def test_a_directory_chain_that_loops_is_refused() -> None:
    data = bytearray(files.doc())
    # The FAT (sector 0, at byte 512) entry of the directory sector (1) points to itself.
    data[512 + 4 : 512 + 8] = (1).to_bytes(4, "little")
    with pytest.raises(EvidenceRefused, match="damaged"):
        sniff_bytes(bytes(data), "letter.doc")


def test_a_good_file_with_the_wrong_name_is_refused_with_the_right_name() -> None:
    with pytest.raises(EvidenceRefused) as refused:
        sniff_bytes(files.jpeg(), "scan.pdf")
    assert str(refused.value) == (
        "scan.pdf is a JPEG image, but its name does not end in .jpg: "
        "rename it scan.jpg and attach it again."
    )
    with pytest.raises(EvidenceRefused, match="rename it letter.pdf"):
        sniff_bytes(files.pdf(), "letter")
    with pytest.raises(EvidenceRefused, match="rename it notes.txt.docx"):
        sniff_bytes(files.docx(), "notes.txt")


def test_unrecognised_and_empty_files_are_refused() -> None:
    with pytest.raises(EvidenceRefused, match="of a type the register does not recognise"):
        sniff_bytes(b"Dear compliance team, I resign.", "letter.pdf")
    with pytest.raises(EvidenceRefused, match="^letter.pdf is empty.$"):
        sniff_bytes(b"", "letter.pdf")


def test_webp_is_not_accepted() -> None:
    webp = b"RIFF\x1a\x00\x00\x00WEBPVP8 " + b"\x00" * 20
    with pytest.raises(EvidenceRefused, match="its content is a WebP image"):
        sniff_bytes(webp, "photo.png")


def test_a_damaged_zip_is_refused() -> None:
    cut = files.docx()[:-40]  # the end of the central directory is gone
    with pytest.raises(EvidenceRefused, match="a damaged or encrypted zip archive"):
        sniff_bytes(cut, "letter.docx")


def test_an_office_document_of_the_other_kind_gets_the_right_name() -> None:
    with pytest.raises(EvidenceRefused, match="is a Word document, .* rename it letter.docx"):
        sniff_bytes(files.docx(), "letter.xlsx")

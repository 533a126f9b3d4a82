"""What an evidence file really is, from its content, and whether its name agrees.

Accepted: PDF; PNG, JPEG and GIF images; Word (.docx, legacy .doc) and Excel (.xlsx, legacy .xls)
documents. The first bytes are matched with the `filetype` package. Two kinds of file are
containers whose first bytes do not say what is inside, so the whole file is looked at:

- a zip (.docx, .xlsx) is an Office document only if its `[Content_Types].xml` declares a Word
  or Excel main part; any other zip (an archive, a PowerPoint file, a Java program) is refused.
- an OLE compound file (.doc, .xls) is the container of legacy Word, Excel and PowerPoint files,
  but also of Windows installers (.msi) and password-protected Office files; `filetype` guesses
  between them from one sector, so the stream names in the file's directory decide instead
  (`WordDocument`, `Workbook` or `Book`).

Files with macros (a `vbaProject.bin` part, a `Macros` or `_VBA_PROJECT_CUR` storage) are
refused: evidence is read by compliance officers, and a letter or a form needs no code.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

import filetype  # type: ignore[import-untyped]

from register.evidence.errors import EvidenceRefused

__all__ = [
    "ACCEPTED",
    "HEAD_BYTES",
    "ACCEPTED_DESCRIPTION",
    "FileType",
    "sniff_bytes",
    "sniff_file",
]

HEAD_BYTES = 8192  # what filetype reads


@dataclass(frozen=True)
class FileType:
    content_type: str  # canonical, e.g. application/pdf
    extension: str  # canonical, without the dot, e.g. pdf
    description: str  # for people: "a PDF document"
    extensions: tuple[str, ...]  # the file name may end in any of these


PDF = FileType("application/pdf", "pdf", "a PDF document", ("pdf",))
PNG = FileType("image/png", "png", "a PNG image", ("png",))
JPEG = FileType("image/jpeg", "jpg", "a JPEG image", ("jpg", "jpeg"))
GIF = FileType("image/gif", "gif", "a GIF image", ("gif",))
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docx",
    "a Word document",
    ("docx",),
)
DOC = FileType("application/msword", "doc", "a Word 97-2003 document", ("doc",))
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsx",
    "an Excel workbook",
    ("xlsx",),
)
XLS = FileType("application/vnd.ms-excel", "xls", "an Excel 97-2003 workbook", ("xls",))

ACCEPTED: tuple[FileType, ...] = (PDF, PNG, JPEG, GIF, DOCX, DOC, XLSX, XLS)
ACCEPTED_DESCRIPTION = "a PDF, a PNG, JPEG or GIF image, or a Word or Excel document"

_BY_EXTENSION = {extension: kind for kind in ACCEPTED for extension in kind.extensions}

# filetype's MIME type → accepted type, for the files whose first bytes are enough.
_SIMPLE = {
    "application/pdf": PDF,
    "image/png": PNG,
    "image/apng": PNG,  # an animated PNG is a PNG
    "image/jpeg": JPEG,
    "image/gif": GIF,
}
_ZIP_MIMES = {"application/zip", DOCX.content_type, XLSX.content_type}

# What a refused file really is, in words, for the types people are likely to meet.
_REFUSED_NAMES = {
    "application/x-executable": "a Linux program (ELF executable)",
    "application/x-msdownload": "a Windows program (PE executable)",
    "application/wasm": "a WebAssembly program",
    "application/x-shockwave-flash": "a Flash file",
    "application/x-rar-compressed": "a RAR archive",
    "application/x-7z-compressed": "a 7-Zip archive",
    "application/gzip": "a gzip archive",
    "application/x-tar": "a tar archive",
    "application/x-bzip2": "a bzip2 archive",
    "application/x-xz": "an xz archive",
    "application/vnd.ms-cab-compressed": "a Windows cabinet archive",
    "application/x-sqlite3": "a SQLite database",
    "application/rtf": "an RTF document",
    "application/postscript": "a PostScript file",
    "image/webp": "a WebP image",
    "image/tiff": "a TIFF image",
    "image/bmp": "a BMP image",
    "image/heic": "a HEIC image",
    "image/avif": "an AVIF image",
    "image/vnd.adobe.photoshop": "a Photoshop image",
    "image/x-icon": "an icon file",
    "application/vnd.oasis.opendocument.text": "an OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "an OpenDocument spreadsheet",
    "application/vnd.oasis.opendocument.presentation": "an OpenDocument presentation",
    "application/epub+zip": "an EPUB book",
}


def _refused(name: str, what: str, claimed: FileType | None) -> EvidenceRefused:
    if claimed is not None:
        return EvidenceRefused(
            f"{name} is not {claimed.description}: its content is {what}, which cannot be "
            f"attached. Attach {ACCEPTED_DESCRIPTION}."
        )
    return EvidenceRefused(
        f"{name} cannot be attached: it is {what}. Attach {ACCEPTED_DESCRIPTION}."
    )


def _claimed(filename: str) -> FileType | None:
    """The accepted type the file's name says it is, if any."""
    return _BY_EXTENSION.get(PurePath(filename).suffix.lower().lstrip("."))


def sniff_bytes(data: bytes, filename: str) -> FileType:
    """`sniff_file` for a file held in memory."""
    return sniff_file(io.BytesIO(data), filename)


def sniff_file(file: BinaryIO, filename: str) -> FileType:
    """The accepted type of a seekable file, or `EvidenceRefused` saying what it really is.

    `filename` is the name the uploader gave; its extension must be one of the type's.
    """
    claimed = _claimed(filename)
    file.seek(0)
    head = file.read(HEAD_BYTES)
    if not head:
        raise EvidenceRefused(f"{filename} is empty.")
    if head.startswith(_OLE_SIGNATURE):
        kind = _ole_type(file, filename, claimed)
    else:
        guess = filetype.guess(head)
        mime = guess.mime if guess is not None else None
        if mime in _ZIP_MIMES:
            kind = _zip_type(file, filename, claimed)
        elif mime in _SIMPLE:
            kind = _SIMPLE[mime]
        elif guess is not None:
            what = _REFUSED_NAMES.get(mime or "", f"a .{guess.extension} file ({mime})")
            raise _refused(filename, what, claimed)
        else:
            raise _refused(filename, "of a type the register does not recognise", claimed)
    if claimed is not kind:
        stem = PurePath(filename).stem if claimed is not None else filename
        raise EvidenceRefused(
            f"{filename} is {kind.description}, but its name does not end in "
            f".{kind.extension}: rename it {stem}.{kind.extension} and attach it again."
        )
    return kind


# Office Open XML (.docx, .xlsx): a zip with a content-types part naming the main document.

_CONTENT_TYPES = "[Content_Types].xml"
_CONTENT_TYPES_LIMIT = 1024 * 1024  # read at most this much of it (a zip can expand enormously)
_MAIN_PARTS = (
    (b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", DOCX),
    (b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", XLSX),
)
_OTHER_OFFICE_PARTS = (
    (b"application/vnd.ms-word.", "a macro-enabled Word document"),
    (b"application/vnd.ms-excel.", "a macro-enabled Excel workbook"),
    (b"presentationml", "a PowerPoint presentation"),
    (b"wordprocessingml.template", "a Word template"),
    (b"spreadsheetml.template", "an Excel template"),
)


def _zip_type(file: BinaryIO, filename: str, claimed: FileType | None) -> FileType:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            if _CONTENT_TYPES not in names:
                raise _refused(filename, "a zip archive, not a Word or Excel document", claimed)
            if any(PurePath(name).name.lower() == "vbaproject.bin" for name in names):
                raise _refused(filename, "an Office document with macros", claimed)
            with archive.open(_CONTENT_TYPES) as part:
                content_types = part.read(_CONTENT_TYPES_LIMIT)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError) as error:
        # RuntimeError: an encrypted member; NotImplementedError is a RuntimeError too.
        raise _refused(filename, "a damaged or encrypted zip archive", claimed) from error
    for marker, kind in _MAIN_PARTS:
        if marker in content_types:
            return kind
    for marker, what in _OTHER_OFFICE_PARTS:
        if marker in content_types:
            raise _refused(filename, what, claimed)
    raise _refused(filename, "a zip archive, not a Word or Excel document", claimed)


# OLE compound files (.doc, .xls): the stream names in the directory say what the file is.

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN = 0xFFFFFFFE
_MAX_SECTOR = 0xFFFFFFFA  # numbers above are markers, not sectors


class _DamagedCompoundFile(Exception):
    pass


def _ole_type(file: BinaryIO, filename: str, claimed: FileType | None) -> FileType:
    try:
        names = _ole_directory_names(file)
    except (_DamagedCompoundFile, struct.error) as error:
        raise _refused(filename, "a damaged Office 97-2003 file", claimed) from error
    if "EncryptedPackage" in names:
        raise EvidenceRefused(
            f"{filename} is protected by a password: remove the password and attach it again."
        )
    if "Macros" in names or "_VBA_PROJECT_CUR" in names:
        raise _refused(filename, "an Office document with macros", claimed)
    if "WordDocument" in names:
        return DOC
    if "Workbook" in names or "Book" in names:
        return XLS
    if "PowerPoint Document" in names:
        raise _refused(filename, "a PowerPoint 97-2003 presentation", claimed)
    raise _refused(
        filename,
        "an OLE compound file that is neither a Word nor an Excel document "
        "(for instance a Windows installer or an Outlook message)",
        claimed,
    )


def _ole_directory_names(file: BinaryIO) -> set[str]:
    """The names of the storages and streams in a compound file's directory ([MS-CFB] 2.2-2.6)."""
    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    header = file.read(512)
    if len(header) < 512 or struct.unpack_from("<H", header, 0x1C)[0] != 0xFFFE:
        raise _DamagedCompoundFile("no header")
    sector_shift = struct.unpack_from("<H", header, 0x1E)[0]
    if sector_shift not in (9, 12):
        raise _DamagedCompoundFile("sector size")
    sector_size = 1 << sector_shift
    sector_count = max(0, size // sector_size - 1)
    entries_per_sector = sector_size // 4

    def read_sector(number: int) -> bytes:
        if number >= sector_count:
            raise _DamagedCompoundFile("sector outside the file")
        file.seek((number + 1) * sector_size)
        data = file.read(sector_size)
        if len(data) < sector_size:
            raise _DamagedCompoundFile("short sector")
        return data

    fat_count = struct.unpack_from("<I", header, 0x2C)[0]
    first_directory = struct.unpack_from("<I", header, 0x30)[0]
    next_difat = struct.unpack_from("<I", header, 0x44)[0]
    fat_sectors = [s for s in struct.unpack_from("<109I", header, 0x4C) if s <= _MAX_SECTOR]
    seen_difat = 0
    while next_difat <= _MAX_SECTOR and len(fat_sectors) < fat_count:
        seen_difat += 1
        if seen_difat > sector_count:
            raise _DamagedCompoundFile("DIFAT loop")
        values = struct.unpack(f"<{entries_per_sector}I", read_sector(next_difat))
        fat_sectors.extend(s for s in values[:-1] if s <= _MAX_SECTOR)
        next_difat = values[-1]
    if len(fat_sectors) > sector_count:
        raise _DamagedCompoundFile("too many FAT sectors")
    fat: list[int] = []
    for number in fat_sectors[:fat_count]:
        fat.extend(struct.unpack(f"<{entries_per_sector}I", read_sector(number)))

    names: set[str] = set()
    sector = first_directory
    visited = 0
    while sector != _END_OF_CHAIN:
        visited += 1
        if sector > _MAX_SECTOR or sector >= len(fat) or visited > sector_count:
            raise _DamagedCompoundFile("directory chain")
        data = read_sector(sector)
        for offset in range(0, sector_size, 128):
            name_length = struct.unpack_from("<H", data, offset + 0x40)[0]
            object_type = data[offset + 0x42]
            if object_type in (1, 2, 5) and 2 <= name_length <= 64:
                raw = data[offset : offset + name_length - 2]
                names.add(raw.decode("utf-16-le", errors="replace"))
        sector = fat[sector]
    if not names:
        raise _DamagedCompoundFile("empty directory")
    return names

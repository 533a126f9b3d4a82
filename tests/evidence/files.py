"""Tiny real files of each kind, built here so the tests need no binary fixtures."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from openpyxl import Workbook

_CONTENT_TYPES_DOCX = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)
_DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>I resign as a director of Morning Lane Ltd.</w:t></w:r></w:p>"
    "</w:body></w:document>"
)
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png() -> bytes:
    """A 1 × 1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    """An 8 × 8 grey baseline JPEG: one block whose coefficients are all zero."""

    def segment(marker: int, data: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data

    quantisation = segment(0xDB, b"\x00" + b"\x01" * 64)
    frame = segment(0xC0, struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00")
    one_code = b"\x01" + b"\x00" * 15 + b"\x00"  # one 1-bit code, for symbol 0
    huffman = segment(0xC4, b"\x00" + one_code + b"\x10" + one_code)  # DC 0 and AC 0 tables
    scan = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    # DC difference 0 (code "0"), end of block (code "0"), padded with ones.
    return b"\xff\xd8" + quantisation + frame + huffman + scan + b"\x3f" + b"\xff\xd9"


def gif() -> bytes:
    """A 1 × 1 GIF."""
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00"
        b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def ooxml(parts: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx(main: str = WORD_MAIN, extra: dict[str, str | bytes] | None = None) -> bytes:
    """A minimal valid Word document: content types, package relationships, one paragraph."""
    return ooxml(
        {
            "[Content_Types].xml": _CONTENT_TYPES_DOCX.format(main=main),
            "_rels/.rels": _RELS,
            "word/document.xml": _DOCUMENT,
            **(extra or {}),
        }
    )


def xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Award", "Value"])
    sheet.append(["Morning Lane Ltd", 1_450_000])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_archive() -> bytes:
    return ooxml({"letter.txt": "not an Office document", "photo.png": png()})


# OLE compound files ([MS-CFB] version 3, 512-byte sectors), as legacy Office writes them.

_FREE, _END, _FAT_SECTOR, _NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _directory_entry(
    name: str,
    kind: int,
    right: int = _NO_STREAM,
    child: int = _NO_STREAM,
    start: int = 0,
    size: int = 0,
) -> bytes:
    encoded = (name + "\x00").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", _NO_STREAM, right, child)
        + b"\x00" * 16  # CLSID
        + b"\x00" * 4  # state bits
        + b"\x00" * 16  # creation and modification times
        + struct.pack("<IQ", start, size)
    )


def compound_file(
    streams: dict[str, bytes], storages: tuple[str, ...] = (), fat_in_difat_sector: bool = False
) -> bytes:
    """A compound file holding `streams` (each padded to 4,096 bytes, so that none needs the mini
    stream) and empty `storages`; the FAT is listed in a DIFAT sector when asked."""
    sector = 512
    names = [(name, 2, data.ljust(4096, b"\x00")) for name, data in streams.items()]
    names += [(name, 1, b"") for name in storages]
    entry_count = 1 + len(names)
    directory_sectors = -(-entry_count // 4)
    # Layout: [DIFAT sector], FAT sector, directory sectors, stream data.
    next_sector = 0
    difat_sector = None
    if fat_in_difat_sector:
        difat_sector, next_sector = next_sector, next_sector + 1
    fat_sector, next_sector = next_sector, next_sector + 1
    first_directory = next_sector
    next_sector += directory_sectors
    fat = [_FREE] * 128
    if difat_sector is not None:
        fat[difat_sector] = 0xFFFFFFFC  # DIFSECT
    fat[fat_sector] = _FAT_SECTOR
    for index in range(directory_sectors):
        here = first_directory + index
        fat[here] = here + 1 if index < directory_sectors - 1 else _END
    entries = [b""] * entry_count
    data_sectors = []
    for position, (name, kind, data) in enumerate(names, start=1):
        right = position + 1 if position < len(names) else _NO_STREAM
        start, size = (_END, 0)
        if data:
            count = len(data) // sector
            start = next_sector
            for index in range(count):
                fat[start + index] = start + index + 1 if index < count - 1 else _END
            next_sector += count
            data_sectors.append(data)
            size = len(data)
        entries[position] = _directory_entry(name, kind, right=right, start=start, size=size)
    entries[0] = _directory_entry("Root Entry", 5, child=1 if names else _NO_STREAM, start=_END)
    # Unused entries are zeros: no name, type 0.
    directory = b"".join(entries).ljust(directory_sectors * sector, b"\x00")

    difat = [_FREE] * 109
    if difat_sector is None:
        difat[0] = fat_sector
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, first_directory, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<109I", *difat)
    )
    if difat_sector is not None:
        header = header[:0x44] + struct.pack("<II", difat_sector, 1) + header[0x4C:]
    body = []
    if difat_sector is not None:
        body.append(struct.pack("<128I", fat_sector, *([_FREE] * 126), _END))
    body.append(struct.pack("<128I", *fat))
    body.append(directory)
    body.extend(data_sectors)
    return header + b"".join(body)


# FIB identifiers: what the WordDocument and Workbook streams of real files start with.
def doc() -> bytes:
    return compound_file({"WordDocument": b"\xec\xa5\xc1\x00", "1Table": b"\x00"})


def xls() -> bytes:
    return compound_file({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00"})


def elf() -> bytes:
    """A real Linux program: the first 64 KiB of /bin/true."""
    return Path("/bin/true").read_bytes()[: 64 * 1024]


def windows_exe() -> bytes:
    """The headers of a Windows PE program: the MZ stub pointing to the PE signature."""
    stub = bytearray(b"MZ" + b"\x90\x00" + b"\x00" * 0x3C)
    stub[0x3C:0x40] = struct.pack("<I", 0x80)
    stub = stub.ljust(0x80, b"\x00")
    pe = b"PE\x00\x00" + struct.pack("<HH", 0x8664, 1) + b"\x00" * 16
    return bytes(stub) + pe + b"\x00" * 512

"""Streaming the uploaded file row by row in bounded memory: csv's reader over a decoding text stream, or
openpyxl in read-only mode. Encodings: UTF-8 (with or without BOM) and GB18030 (a superset of GBK, what
Excel on Chinese Windows saves) — declared by the merchant or detected from the first bytes; anything
that decodes as neither is refused with a clear error instead of importing mojibake."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from wxmall.core.errors import DomainError

from .errors import MemberImportError
from .models import FileFormat

ENCODINGS = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}  # what the merchant may declare
SNIFF_BYTES = 256 * 1024
MAX_CELL = 200  # longer cells are cut: nothing the import stores is longer
MAX_COLUMNS = 60
csv.field_size_limit(64 * 1024)  # a runaway quoted field fails the row, not memory


def import_dir() -> Path:
    path = Path(settings.MEMBER_IMPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_path(job) -> Path:
    return import_dir() / job.stored_name


def detect_format(name: str, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return FileFormat.XLSX
    if name.lower().endswith((".csv", ".txt")) or b"\x00" not in head[:4096]:
        return FileFormat.CSV
    raise DomainError(MemberImportError.BAD_FORMAT)


def detect_encoding(head: bytes, declared: str = "") -> str:
    """The encoding name for `head` (the file's first bytes): the declared one if it decodes them, else
    UTF-8, else GB18030. A multi-byte character cut at the end of `head` is not an error."""
    candidates = [declared] if declared else ["utf-8", "gb18030"]
    for name in candidates:
        decoder = codecs.getincrementaldecoder(ENCODINGS[name])()
        try:
            decoder.decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return name
    raise DomainError(MemberImportError.BAD_ENCODING)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores 13800138000 as a float
    return str(value).strip()[:MAX_CELL]


def rows(path: Path, file_format: str, encoding: str = "") -> Iterator[list[str]]:
    """Every row (the header first) as a list of strings, streamed."""
    if file_format == FileFormat.XLSX:
        yield from _xlsx_rows(path)
        return
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding=ENCODINGS[encoding or "utf-8"], errors="strict", newline="")
        try:
            for row in csv.reader(text):
                # csv gives strings only: strip in C, and cut only rows that have an over-long cell.
                cells = list(map(str.strip, row[:MAX_COLUMNS]))
                if cells and max(map(len, cells)) > MAX_CELL:
                    cells = [cell[:MAX_CELL] for cell in cells]
                yield cells
        except UnicodeDecodeError:
            raise DomainError(MemberImportError.BAD_ENCODING) from None
        except csv.Error:
            raise DomainError(MemberImportError.BAD_FORMAT) from None


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    with open(path, "rb") as raw:  # a file object: openpyxl then does not insist on the name's extension
        try:
            book = load_workbook(raw, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException):
            raise DomainError(MemberImportError.BAD_XLSX) from None
        try:
            for row in book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS):
                yield [_cell(v) for v in row]
        except (zipfile.BadZipFile, KeyError, ValueError):
            raise DomainError(MemberImportError.BAD_XLSX) from None
        finally:
            book.close()

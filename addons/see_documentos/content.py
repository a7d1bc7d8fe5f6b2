# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""What a file really is, read from its content and never from its name

A citizen's file is trusted only after its first bytes (magic numbers) say
an accepted format and the format's own reader opens it whole: pypdf for
PDFs, Pillow for images. A renamed executable or archive is refused."""
import hashlib
import io
from dataclasses import dataclass

FORMATS = [
    ('pdf', "PDF"),
    ('jpeg', "JPEG Image"),
    ('png', "PNG Image"),
    ]
MIMETYPES = {
    'pdf': 'application/pdf',
    'jpeg': 'image/jpeg',
    'png': 'image/png',
    }
ACCEPTED_MAGIC = [
    (b'%PDF-', 'pdf'),
    (b'\x89PNG\r\n\x1a\n', 'png'),
    (b'\xff\xd8\xff', 'jpeg'),
    ]
# Formats recognised only to name them in the refusal
KNOWN_MAGIC = [
    (b'MZ', "Windows executable"),
    (b'\x7fELF', "Linux executable"),
    (b'PK\x03\x04', "ZIP archive or Office document"),
    (b'Rar!', "RAR archive"),
    (b'\x1f\x8b', "GZIP archive"),
    (b'7z\xbc\xaf', "7-Zip archive"),
    (b'\xd0\xcf\x11\xe0', "old Office document"),
    (b'GIF8', "GIF image"),
    (b'<', "HTML or XML text"),
    (b'#!', "script"),
    ]
# A page of a PDF bomb or a pixel flood stops here
MAX_PIXELS = 50_000_000


class ContentRefused(Exception):
    "The content is not an accepted format; args[0] says what it is"


@dataclass
class Inspection:
    format: str
    mimetype: str
    size: int
    sha256: str
    pages: int


def sniff(data):
    "Return the accepted format of data by its first bytes, or None"
    for magic, format_ in ACCEPTED_MAGIC:
        if data.startswith(magic):
            return format_
    return None


def describe(data):
    "Name the kind of a content that is not accepted"
    for magic, name in KNOWN_MAGIC:
        if data.lstrip()[:len(magic)] == magic:
            return name
    return "unknown content"


def count_pdf_pages(data):
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ContentRefused("password-protected PDF")
        return len(reader.pages)
    except ContentRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise ContentRefused("damaged PDF") from error


def check_image(data, format_):
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format.lower() != format_:
                raise ContentRefused(f"{image.format} image")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ContentRefused("image too large in pixels")
            image.verify()
    except ContentRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError,
            ValueError) as error:
        raise ContentRefused("damaged image") from error


def inspect(data):
    "Return the Inspection of data or raise ContentRefused"
    if not data:
        raise ContentRefused("empty file")
    format_ = sniff(data)
    if format_ is None:
        raise ContentRefused(describe(data))
    if format_ == 'pdf':
        pages = count_pdf_pages(data)
    else:
        check_image(data, format_)
        pages = 1
    return Inspection(
        format=format_, mimetype=MIMETYPES[format_], size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), pages=pages)

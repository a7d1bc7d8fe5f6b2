# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"Small real files for the tests, made on the fly"
import io


def make_pdf(pages=1, text=None):
    "A PDF of blank A4 pages"
    from pypdf import PdfWriter
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if text:
        writer.add_metadata({'/Title': text})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _image(format_, color, size):
    from PIL import Image
    output = io.BytesIO()
    Image.new('RGB', size, color).save(output, format=format_)
    return output.getvalue()


def make_png(color=(200, 30, 30), size=(60, 40)):
    return _image('PNG', color, size)


def make_jpeg(color=(30, 30, 200), size=(60, 40)):
    return _image('JPEG', color, size)


def make_executable():
    "Bytes that start like a Windows program"
    return b'MZ\x90\x00\x03\x00\x00\x00' + b'\x00' * 200

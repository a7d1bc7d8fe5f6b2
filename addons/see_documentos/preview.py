# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The picture of a document's page, for the reviewer to mark a region on
and for the citizen to see the mark

Images are shown as they are; a PDF page is drawn to PNG by ``pdftoppm``
(poppler-utils) on the server, so the browsers run no PDF code. Without
pdftoppm there is no preview: the reviewer still gives the page."""
import os
import shutil
import subprocess
import tempfile

# Dots per inch of a drawn page: an A4 page is then 827 pixels wide
RESOLUTION = 100
TIMEOUT = 20


class PreviewUnavailable(Exception):
    pass


def available():
    return shutil.which('pdftoppm') is not None


def page_image(document, page):
    "Return (mimetype, bytes) of the picture of page of document"
    if document.format in {'png', 'jpeg'}:
        if page != 1:
            raise PreviewUnavailable('page')
        return document.mimetype, bytes(document.file)
    if not 1 <= page <= (document.pages or 0):
        raise PreviewUnavailable('page')
    if not available():
        raise PreviewUnavailable('pdftoppm')
    with tempfile.TemporaryDirectory(prefix='see-preview-') as folder:
        source = os.path.join(folder, 'document.pdf')
        with open(source, 'wb') as file:
            file.write(bytes(document.file))
        target = os.path.join(folder, 'page')
        try:
            subprocess.run([
                    'pdftoppm', '-png', '-singlefile',
                    '-r', str(RESOLUTION), '-f', str(page), '-l', str(page),
                    source, target],
                check=True, timeout=TIMEOUT, capture_output=True)
        except (subprocess.SubprocessError, OSError) as error:
            raise PreviewUnavailable('render') from error
        with open(target + '.png', 'rb') as file:
            return 'image/png', file.read()

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""What the web client (sao) asks of its root and does not ship.

sao loads ``custom.js`` and ``custom.css`` from its root, browsers ask for
``/favicon.ico`` and sao asks for the locale of the browser's language
(``/locale/pt_BR.json``) before the user's: without these routes trytond
answered them 405.  The Brazilian Portuguese locale is derived, when asked,
from sao's own European one (``locale/pt.json`` of ``[web] root``) with the
word changes and missing messages of ``sao/pt_BR.json``: no copy of sao's
file is kept here.
"""
import functools
import json
import os
import re
import struct

from trytond.config import config
from trytond.protocols.wrappers import HTTPStatus, Response, abort
from trytond.wsgi import app

from .web import static_response

FOLDER = os.path.join(os.path.dirname(__file__), 'sao')


def brazilian_locale(european, changes):
    """Return sao's locale data european (its pt.json) in Brazilian
    Portuguese: the words of changes['words'] replaced, whole words only,
    and changes['messages'] for the messages it leaves untranslated"""
    words = changes.get('words', {})
    pattern = re.compile(r'\b(%s)\b' % '|'.join(
            re.escape(w) for w in sorted(words, key=len, reverse=True)))

    def brazilian(text):
        if not text or not words:
            return text
        return pattern.sub(lambda m: words[m.group(1)], text)
    result = {}
    for key, value in european.items():
        if key == '':
            # No language: sao names it with the one it asked for (pt for
            # the users, pt_BR for the browser), under which it looks up
            result[key] = dict(value)
            continue
        value = list(value)
        message = changes.get('messages', {}).get(key)
        if message and not any(value[1:]):
            value[1:] = [message] * max(len(value) - 1, 1)
        value[1:] = [brazilian(t) for t in value[1:]]
        result[key] = value
    for key, message in changes.get('messages', {}).items():
        result.setdefault(key, [None, message])
    return result


def _web_root():
    return config.get('web', 'root', default=None)


@functools.lru_cache(maxsize=4)
def _brazilian_json(path, mtime):
    with open(path, encoding='utf-8') as file:
        european = json.load(file)
    with open(os.path.join(FOLDER, 'pt_BR.json'), encoding='utf-8') as file:
        changes = json.load(file)
    return json.dumps(brazilian_locale(european, changes),
        ensure_ascii=False).encode('utf-8')


@app.route('/locale/pt_BR.json', methods={'GET'})
def sao_locale(request):
    "sao's Portuguese in Brazilian usage"
    root = _web_root()
    path = os.path.join(root, 'locale', 'pt.json') if root else None
    if not path or not os.path.isfile(path):
        abort(HTTPStatus.NOT_FOUND)
    response = Response(_brazilian_json(path, os.path.getmtime(path)),
        content_type='application/json; charset=utf-8')
    response.headers['Cache-Control'] = 'no-cache'
    return response


@app.route('/custom.js', methods={'GET'})
def sao_custom_js(request):
    "The product's name, icon and language in the web client"
    return static_response(FOLDER, 'custom.js')


@app.route('/custom.css', methods={'GET'})
def sao_custom_css(request):
    return static_response(FOLDER, 'custom.css')


@app.route('/see_atendimento/sao/<path:filename>', methods={'GET'})
def sao_file(request, filename):
    "The product's icon"
    if filename not in {'icon.svg', 'icon.png'}:
        abort(HTTPStatus.NOT_FOUND)
    return static_response(FOLDER, filename)


def ico(png):
    "An icon file (.ico) holding the PNG image png, as browsers read it"
    width, height = struct.unpack('>II', png[16:24])
    header = struct.pack('<HHH', 0, 1, 1)
    entry = struct.pack('<BBBBHHII', width % 256, height % 256, 0, 0, 1, 32,
        len(png), 6 + 16)
    return header + entry + png


@app.route('/favicon.ico', methods={'GET'})
def favicon(request):
    with open(os.path.join(FOLDER, 'icon.png'), 'rb') as file:
        data = ico(file.read())
    response = Response(data, mimetype='image/x-icon')
    response.headers['Cache-Control'] = 'public, max-age=86400'
    return response

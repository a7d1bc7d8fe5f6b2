# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The citizen's page of a submission (public, no login)

``/<database>/see_documentos/envio/<token>`` is the private link the
citizen receives (the submission's ``link``): whoever has the token sees
that submission only. Its JSON API, under the same path:

- ``GET  .../dados``: the protocol, the state, and each checklist item
  with its rules and its current file: state, and for a returned one the
  reason, the instruction, the note, the page and the marked region
  (left, top, width, height as fractions of the page);
- ``POST .../item/<item id>``: the file as the request's body, its name in
  the ``X-File-Name`` header (URL-encoded): the content is checked (see
  content.py) and the answer is the new data, or 400 with what to fix;
- ``POST .../enviar`` with ``{consent}`` (the privacy notice's box,
  required): send the files to review;
- ``GET  .../documento/<id>/pagina/<n>``: the picture of a page of one of
  the submission's files (PNG, or the image itself).

Every request counts against its network address (``[see_documentos]
address_rate`` per minute, default 60; a wrong token counts the same):
beyond it the answer is 429. The routes run as root through the models'
methods, which check everything; a refusal rolls the transaction back.
"""
import functools
import hashlib
import json
import logging
import os
import urllib.parse

from trytond import backend, config
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.modules.see_atendimento import web
from trytond.modules.see_atendimento.exceptions import DeviceRateError
from trytond.protocols.wrappers import (
    HTTPStatus, Response, with_pool)
from trytond.transaction import Transaction
from trytond.wsgi import app

from .preview import PreviewUnavailable, page_image
from .submission import CITIZEN_LANGUAGE, UPLOAD_STATES

logger = logging.getLogger(__name__)

STATIC = os.path.join(os.path.dirname(__file__), 'static')
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'")
# The token is in the address: no page the citizen opens from here gets it
HEADERS = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    }
# The largest body read from a citizen, whatever the item allows
MAX_BODY = 20 * 1024 * 1024


class NotFound(UserError):
    pass


def _json(data, status=HTTPStatus.OK):
    return web.json_response(data, status, HEADERS)


def _status_of(error):
    if isinstance(error, DeviceRateError):
        return HTTPStatus.TOO_MANY_REQUESTS
    if isinstance(error, NotFound):
        return HTTPStatus.NOT_FOUND
    return HTTPStatus.BAD_REQUEST


_user_errors = web.json_errors(_status_of, HEADERS)


def citizen_route(func):
    """Count the request against its address's limit, find the submission
    of the token and run func(request, pool, submission, ...) as root in
    the citizens' language; user errors as JSON, anything else a JSON 500
    whose text shows nothing of the server"""
    @functools.wraps(func)
    def wrapper(request, pool, token, *args, **kwargs):
        limit = config.getint('see_documentos', 'address_rate', default=60)
        key = 'see_documentos:' + hashlib.sha256(
            (request.remote_addr or '').encode()).hexdigest()
        # Autocommit: the request is counted even when it is then refused
        with Transaction().start(pool.database_name, 0, readonly=False,
                autocommit=True):
            Rate = pool.get('see.device.rate')
            if not Rate.hit(key, limit):
                raise DeviceRateError(
                    gettext('see_atendimento.msg_device_rate'))
        with Transaction().start(pool.database_name, 0,
                context={'language': CITIZEN_LANGUAGE}) as transaction:
            Submission = pool.get('see.document.submission')
            submission = Submission.from_token(token)
            if submission is None:
                raise NotFound(gettext('see_documentos.msg_page_not_found'))
            result = func(request, pool, submission, *args, **kwargs)
            transaction.commit()
            return result

    @functools.wraps(func)
    def guarded(request, pool, *args, **kwargs):
        try:
            return _user_errors(wrapper)(request, pool, *args, **kwargs)
        except Exception as error:
            busy = isinstance(error, backend.DatabaseOperationalError)
            logger.log(logging.INFO if busy else logging.ERROR,
                "citizen request %s failed", request.path, exc_info=True)
            return _json({'error': {'type': 'ServerError',
                        'message': "O servidor não concluiu o pedido. "
                        "Tente novamente em instantes.",
                        'description': ''}},
                HTTPStatus.SERVICE_UNAVAILABLE if busy
                else HTTPStatus.INTERNAL_SERVER_ERROR)
    return guarded


def submission_data(submission):
    "What the citizen's page shows of submission"
    documents = {d.item.id: d for d in submission.current_documents()}
    items = []
    for item in submission.checklist.items:
        document = documents.get(item.id)
        data = None
        if document:
            data = {
                'id': document.id,
                'filename': document.filename,
                'state': document.state,
                'state_string': document.state_string,
                'pages': document.pages,
                'format': document.format,
                }
            if document.state == 'rejected':
                reason = document.rejection_reason
                data.update({
                        'reason': reason.rec_name,
                        'instruction': reason.instruction or '',
                        'note': document.rejection_note or '',
                        'page': document.problem_page,
                        'region': document.region,
                        })
        items.append({
                'id': item.id,
                'name': item.name,
                'description': item.description or '',
                'required': item.required,
                'formats': list(item.formats),
                'max_size': item.max_size,
                'max_pages': item.max_pages,
                'issuer': item.issuer or '',
                'document': data,
                'replaceable': (submission.state in UPLOAD_STATES
                    and (data is None or data['state'] != 'approved')),
                })
    return {
        'protocol': submission.protocol.number,
        'service': submission.checklist.service.rec_name,
        'checklist': submission.checklist.rec_name,
        'state': submission.state,
        'state_string': submission.state_string,
        'cycle': submission.cycle,
        'can_submit': submission.state in UPLOAD_STATES,
        'items': items,
        }


@app.route('/<database_name>/see_documentos/envio/<token>', methods={'GET'})
def citizen_page(request, database_name, token):
    "The citizen's page; its script reads the token from the address"
    headers = dict(HEADERS)
    headers['Content-Security-Policy'] = CSP
    return web.static_response(STATIC, 'citizen.html', headers)


@app.route('/see_documentos/static/<path:filename>', methods={'GET'})
def static_file(request, filename):
    return web.static_response(
        STATIC, filename, {'X-Content-Type-Options': 'nosniff'})


@app.route('/<database_name>/see_documentos/envio/<token>/dados',
    methods={'GET'})
@with_pool
@citizen_route
def citizen_data(request, pool, submission):
    return _json(submission_data(submission))


@app.route(
    '/<database_name>/see_documentos/envio/<token>/item/<int:item_id>',
    methods={'POST'})
@with_pool
@citizen_route
def citizen_upload(request, pool, submission, item_id):
    "Store the body as the file of the item"
    Item = pool.get('see.document.checklist.item')
    Submission = pool.get('see.document.submission')
    # A body without its length (chunked) is not read at all
    if request.content_length is None or request.content_length > MAX_BODY:
        raise UserError(gettext('see_documentos.msg_page_too_large',
                size=MAX_BODY // (1024 * 1024)))
    filename = urllib.parse.unquote(request.headers.get('X-File-Name', ''))
    items = [i for i in submission.checklist.items if i.id == item_id]
    if not items:
        raise NotFound(gettext('see_documentos.msg_upload_item'))
    data = request.get_data(cache=False)
    submission.upload(Item(items[0].id), filename, data)
    return _json(submission_data(Submission(submission.id)),
        HTTPStatus.CREATED)


@app.route('/<database_name>/see_documentos/envio/<token>/enviar',
    methods={'POST'})
@with_pool
@citizen_route
def citizen_submit(request, pool, submission):
    Submission = pool.get('see.document.submission')
    try:
        data = json.loads(request.get_data(as_text=True) or '{}')
    except ValueError:
        data = None
    # The LGPD notice of the page, accepted with its checkbox
    Submission.accept_notice([submission],
        data.get('consent') if isinstance(data, dict) else None)
    Submission.submit([submission])
    return _json(submission_data(Submission(submission.id)))


@app.route('/<database_name>/see_documentos/envio/<token>/documento/'
    '<int:document_id>/pagina/<int:page>', methods={'GET'})
@with_pool
@citizen_route
def citizen_page_image(request, pool, submission, document_id, page):
    "The picture of a page of one of the submission's own files"
    documents = [d for d in submission.documents if d.id == document_id]
    if not documents:
        raise NotFound(gettext('see_documentos.msg_page_not_found'))
    return image_response(documents[0], page)


def image_response(document, page):
    try:
        mimetype, data = page_image(document, page)
    except PreviewUnavailable:
        raise NotFound(gettext('see_documentos.msg_preview_unavailable'))
    response = Response(data, mimetype=mimetype)
    response.headers.update(HEADERS)
    response.headers['Cache-Control'] = 'private, max-age=300'
    return response

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The reviewer's page (staff, logged in): the queue, my tasks, and a task
with the picture of each page where the reviewer marks a region

The page and its files are public; its data goes through routes that
require a Tryton session (the web client's cookie or the page's login
form), run as that user with ``_check_access``: the groups, access rights
and record rules apply, so a reviewer sees the queue and only the tasks
claimed by them, and acts only through the models' buttons.

Routes (JSON, ``/<database>/see_documentos/revisao/...``):

- ``GET tarefas``: ``{user, queue: [task], mine: [task]}``;
- ``POST tarefa/<id>/pegar``, ``POST tarefa/<id>/concluir``,
  ``POST tarefa/<id>/liberar``: claim, conclude, release;
- ``GET tarefa/<id>``: the task with its documents and the reasons;
- ``POST documento/<id>`` ``{decision: "approve"|"reject", reason, note,
  page, region: [left, top, width, height]}``;
- ``GET documento/<id>/pagina/<n>``: the picture of the page.
"""
import datetime as dt
import json
import os

from trytond.modules.see_atendimento.routes import board_errors
from trytond.modules.see_atendimento.web import (
    json_response, static_response, user_context)
from trytond.protocols.wrappers import (
    HTTPStatus, abort, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from .pages import image_response
from .preview import available as preview_available

STATIC = os.path.join(os.path.dirname(__file__), 'static')
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
JSON_HEADERS = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    }
staff_route = with_transaction(user='request', context=dict(_check_access=True))


def _json(data, status=HTTPStatus.OK):
    return json_response(data, status, JSON_HEADERS)


def _body(request):
    try:
        data = json.loads(request.get_data(as_text=True) or '{}')
    except ValueError:
        abort(HTTPStatus.BAD_REQUEST)
    if not isinstance(data, dict):
        abort(HTTPStatus.BAD_REQUEST)
    return data


def _seconds(delta):
    return int(delta.total_seconds()) if delta is not None else None


def _task(submission):
    return {
        'id': submission.id,
        'protocol': submission.protocol.number,
        'requester': submission.protocol.requester_name or '',
        'checklist': submission.checklist.rec_name,
        'state': submission.state,
        'state_string': submission.state_string,
        'cycle': submission.cycle,
        'queue_date': submission.queue_date,
        'review_time': _seconds(submission.review_time),
        'late': submission.review_late,
        }


def _document(document):
    return {
        'id': document.id,
        'item': document.item.name,
        'required': document.item.required,
        'validity_required': document.item.validity_required,
        'issuer': document.item.issuer or '',
        'filename': document.filename,
        'format': document.format,
        'pages': document.pages,
        'size': document.size,
        'sha256': document.sha256,
        'cycle': document.cycle,
        'state': document.state,
        'state_string': document.state_string,
        'reason': (document.rejection_reason.id
            if document.rejection_reason else None),
        'note': document.rejection_note or '',
        'page': document.problem_page,
        'region': document.region,
        }


PAGE_HEADERS = {
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    }


@app.route('/see_documentos/revisao', methods={'GET'})
def review_page(request):
    "The review page; its script finds the database from the web client"
    return static_response(STATIC, 'review.html', PAGE_HEADERS)


@app.route('/<database_name>/see_documentos/revisao', methods={'GET'})
def review_database_page(request, database_name):
    return static_response(STATIC, 'review.html', PAGE_HEADERS)


@app.route('/<database_name>/see_documentos/revisao/tarefas',
    methods={'GET'})
@app.auth_required
@with_pool
@board_errors
@staff_route
def review_tasks(request, pool):
    Submission = pool.get('see.document.submission')
    User = pool.get('res.user')
    with user_context(pool):
        return _json({
                'user': User(Transaction().user).rec_name,
                'queue': [_task(s) for s in Submission.search(
                        [('state', '=', 'submitted')], limit=100)],
                'mine': [_task(s) for s in Submission.search([
                            ('mine', '=', True),
                            ('state', '=', 'in_review'),
                            ])],
                })


@app.route('/<database_name>/see_documentos/revisao/tarefa/<int:task_id>',
    methods={'GET'})
@app.auth_required
@with_pool
@board_errors
@staff_route
def review_task(request, pool, task_id):
    Submission = pool.get('see.document.submission')
    Reason = pool.get('see.document.rejection.reason')
    with user_context(pool):
        submissions = Submission.search([('id', '=', task_id)])
        if not submissions:
            abort(HTTPStatus.NOT_FOUND)
        submission, = submissions
        data = _task(submission)
        data.update({
                'mine': submission.mine,
                'documents': [_document(d)
                    for d in submission.current_documents()],
                'history': [_document(d) for d in submission.documents
                    if d.state == 'replaced'],
                'reasons': [{'id': r.id, 'name': r.rec_name}
                    for r in Reason.search([])],
                'preview': preview_available(),
                })
        return _json(data)


@app.route('/<database_name>/see_documentos/revisao/tarefa/<int:task_id>/'
    '<action>', methods={'POST'})
@app.auth_required
@with_pool
@board_errors
@staff_route
def review_task_action(request, pool, task_id, action):
    Submission = pool.get('see.document.submission')
    buttons = {
        'pegar': Submission.claim,
        'concluir': Submission.conclude,
        'liberar': Submission.release,
        }
    if action not in buttons:
        abort(HTTPStatus.NOT_FOUND)
    with user_context(pool):
        submissions = Submission.search([('id', '=', task_id)])
        if not submissions:
            abort(HTTPStatus.NOT_FOUND)
        buttons[action](submissions)
        return _json(_task(Submission(task_id)))


@app.route('/<database_name>/see_documentos/revisao/documento/'
    '<int:document_id>', methods={'POST'})
@app.auth_required
@with_pool
@board_errors
@staff_route
def review_document(request, pool, document_id):
    "Approve or reject the document with the reason and the marked region"
    Document = pool.get('see.document')
    data = _body(request)
    region = data.get('region')
    if isinstance(region, list) and len(region) == 4 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool)
            for v in region):
        region = ','.join('%.4f' % v for v in region)
    elif region is not None:
        abort(HTTPStatus.BAD_REQUEST)
    page = data.get('page')
    if page is not None and (isinstance(page, bool)
            or not isinstance(page, int)):
        abort(HTTPStatus.BAD_REQUEST)
    reason = data.get('reason')
    if reason is not None and (isinstance(reason, bool)
            or not isinstance(reason, int)):
        abort(HTTPStatus.BAD_REQUEST)
    validity = data.get('validity_date')
    try:
        validity = dt.date.fromisoformat(validity) if validity else None
    except (TypeError, ValueError):
        abort(HTTPStatus.BAD_REQUEST)
    note = data.get('note')
    if note is not None and not isinstance(note, str):
        abort(HTTPStatus.BAD_REQUEST)
    with user_context(pool):
        documents = Document.search([('id', '=', document_id)])
        if not documents:
            abort(HTTPStatus.NOT_FOUND)
        Document.review(documents, data.get('decision'), reason=reason,
            note=note, page=page, region=region, validity_date=validity)
        return _json(_document(Document(document_id)))


@app.route('/<database_name>/see_documentos/revisao/documento/'
    '<int:document_id>/pagina/<int:page>', methods={'GET'})
@app.auth_required
@with_pool
@board_errors
@staff_route
def review_page_image(request, pool, document_id, page):
    Document = pool.get('see.document')
    with user_context(pool):
        documents = Document.search([('id', '=', document_id)])
        if not documents:
            abort(HTTPStatus.NOT_FOUND)
        # The reviewer sees the citizen's document: an access to log
        pool.get('see.data.access.log').log(
            'see.document', [document_id], 'download', {'file'})
        return image_response(documents[0], page)

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Kanban board of escalations for the second level (Unidade Gestora).

The page and its files are public; its data goes through routes that
require a Tryton session: the web client's session cookie (sao logs in
through ``/<database>/session/login``, which sets it for ``/<database>``) or
the board's own login form, which calls the same URL.  Every read and move
runs as that user with ``_check_access``, so the user's groups, access
rights and record rules apply.  Moves go through ``Escalation.move``: the
same workflow methods as the buttons of the form.
"""
import datetime as dt
import functools
import json
import logging
import os

from werkzeug.exceptions import HTTPException

from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.protocols.wrappers import (
    HTTPStatus, abort, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from .errors import internal_error_message
from .integrity import MAX_INTEGER
from .web import (
    govbr_root, json_errors, json_response, static_response, user_context)

logger = logging.getLogger(__name__)

STATIC = os.path.join(os.path.dirname(__file__), 'static')
# Cards of returned escalations stay on the board for this long
RETURNED_DAYS = 30


def _static(filename):
    return static_response(STATIC, filename)


def _age(delta):
    if delta is None:
        return None
    return int(delta.total_seconds())


def _card(escalation):
    def name(record):
        return record.rec_name if record else None

    def id_(record):
        return record.id if record else None
    return {
        'id': escalation.id,
        'protocol': escalation.rec_name,
        'state': escalation.state,
        'service': id_(escalation.service),
        'service_name': name(escalation.service),
        'unit': id_(escalation.unit),
        'unit_name': name(escalation.unit),
        'forwarded_unit': id_(escalation.forwarded_unit),
        'forwarded_unit_name': name(escalation.forwarded_unit),
        'requester_name': escalation.requester_name,
        'question': escalation.question,
        'answer': escalation.answer,
        'request_kb_update': escalation.request_kb_update,
        'request_date': (escalation.request_date.isoformat()
            if escalation.request_date else None),
        'age': _age(escalation.age),
        }


def _error_status(error):
    "Access errors are 403; the other user errors 400"
    if isinstance(error, AccessError):
        return HTTPStatus.FORBIDDEN
    return HTTPStatus.BAD_REQUEST


def _error(message, status):
    return json_response({'error': {
                'type': status.phrase, 'message': message,
                'description': '',
                }}, status=status)


def board_errors(func):
    """User errors as JSON with their Portuguese message (403 for access
    errors); any other error is logged and answered with a message that
    shows nothing of the server's code"""
    handled = json_errors(status_of=_error_status)(func)

    @functools.wraps(func)
    def wrapper(request, pool, *args, **kwargs):
        try:
            return handled(request, pool, *args, **kwargs)
        except HTTPException:
            raise
        except Exception:
            logger.exception("%s failed", request.path)
            return _error(internal_error_message(pool.database_name),
                HTTPStatus.INTERNAL_SERVER_ERROR)
    return wrapper


def _not_found():
    return _error(gettext('see_atendimento.msg_web_not_found'),
        HTTPStatus.NOT_FOUND)


def _id_arg(value):
    """The id given as value, None without one, 0 when no record can have
    it; abort with 400 when it is not a number"""
    if value in {None, ''}:
        return None
    try:
        id_ = int(value)
    except (TypeError, ValueError):
        abort(HTTPStatus.BAD_REQUEST)
    if isinstance(value, bool) or not 0 < id_ <= MAX_INTEGER:
        return 0
    return id_


def _page(request, database_name=None):
    return _static('board.html')


@app.route('/see_atendimento/board', methods={'GET'})
def board_page(request):
    "The board; its script finds the database from the web client's session"
    return _page(request)


@app.route('/<database_name>/see_atendimento/board', methods={'GET'})
def board_database_page(request, database_name):
    "The board of the database"
    return _page(request, database_name)


@app.route('/see_atendimento/static/<path:filename>', methods={'GET'})
def board_static(request, filename):
    "Script and style of the board"
    return _static(filename)


@app.route('/see_atendimento/govbr/<path:filename>', methods={'GET'})
def govbr_static(request, filename):
    "Style, fonts and scripts of the design system of the citizens' pages"
    # Versioned by the npm package: browsers may keep them for a day
    return static_response(govbr_root(), filename, {
            'Cache-Control': 'public, max-age=86400'})


@app.route('/<database_name>/see_atendimento/board/data', methods={'GET'})
@app.auth_required
@with_pool
@board_errors
@with_transaction(user='request', context=dict(_check_access=True))
def board_data(request, pool):
    "Columns, filter choices and the cards the user may see"
    Escalation = pool.get('see.protocol.escalation')
    Service = pool.get('see.service')
    Unit = pool.get('see.unit')
    User = pool.get('res.user')
    ModelAccess = pool.get('ir.model.access')

    with user_context(pool):
        domain = ['OR',
            ('state', '!=', 'returned'),
            ('returned_date', '>=',
                dt.datetime.now() - dt.timedelta(days=RETURNED_DAYS)),
            ]
        # A filter on a unit or service the user cannot see, or that does
        # not exist, is not found
        services = Service.search([])
        units = Unit.search([])
        service = _id_arg(request.args.get('service'))
        if service is not None and service not in {s.id for s in services}:
            return _not_found()
        if service:
            domain = [domain, ('service', '=', service)]
        unit = _id_arg(request.args.get('unit'))
        if unit is not None and unit not in {u.id for u in units}:
            return _not_found()
        if unit:
            domain = [domain, ['OR',
                    ('unit', '=', unit),
                    ('forwarded_unit', '=', unit),
                    ]]
        escalations = Escalation.search(domain)
        selection = Escalation.fields_get(['state'])['state']['selection']
        user = User(Transaction().user)
        return json_response({
                'user': user.rec_name,
                'columns': [{'state': s, 'name': n} for s, n in selection],
                'transitions': sorted(Escalation._transitions),
                'can_move': ModelAccess.check(
                    Escalation.__name__, 'write', raise_exception=False),
                'services': [{'id': s.id, 'name': s.rec_name}
                    for s in services],
                'units': [{'id': u.id, 'name': u.rec_name}
                    for u in units],
                'cards': [_card(e) for e in escalations],
                })


@app.route('/<database_name>/see_atendimento/board/move', methods={'POST'})
@app.auth_required
@with_pool
@board_errors
@with_transaction(user='request', context=dict(_check_access=True))
def board_move(request, pool):
    """Move a card: {"id": ID, "state": STATE} and, to answer, "answer";
    to forward, "forwarded_unit"."""
    Escalation = pool.get('see.protocol.escalation')
    try:
        data = json.loads(request.get_data(as_text=True))
        id_, state = _id_arg(data['id']), str(data['state'])
    except (ValueError, KeyError, TypeError):
        abort(HTTPStatus.BAD_REQUEST)
    if id_ is None:
        abort(HTTPStatus.BAD_REQUEST)
    with user_context(pool):
        escalations = Escalation.search([('id', '=', id_)]) if id_ else []
        if not escalations:
            return _not_found()
        values = {}
        if state == 'answered' and data.get('answer'):
            values['answer'] = str(data['answer'])
        if state == 'forwarded' and data.get('forwarded_unit'):
            forwarded_unit = _id_arg(data['forwarded_unit'])
            if not forwarded_unit:
                return _not_found()
            values['forwarded_unit'] = forwarded_unit
        # The user's input, though the move writes it as the workflow
        Escalation.check_input(values, external=True)
        Escalation.move(escalations, state, values)
        escalation, = Escalation.browse(escalations)
        return json_response({'card': _card(escalation)})

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The desk console: the page of the desk agent (staff, logged in).

The page and its files are public; its data goes through routes that
require a Tryton session, as the escalation board and the telephony panel:
the web client's session cookie or the page's own login form, which calls
``/<database>/session/login``.  Every route runs as that user with
``_check_access`` (groups, access rights and record rules apply) and acts
only through the models' buttons (``see.site.desk`` call_next,
``see.ticket`` call, recall, start, ...; ``see.protocol`` write, start and
resolve), so the server refuses what the forms would refuse.  A desk is
used only by its agents on duty and the supervisors of its site
(``Desk.check_on_duty``); the others get 403 with the reason.

Routes (JSON, ``/<database>/see_presencial/console/...``):

- ``GET desks``: the desks the user may work at;
- ``GET desk/<id>``: the desk's current ticket, its queue in the order the
  site's rule would call it, its suspended tickets and the choices of the
  forms;
- ``POST desk/<id>/<action>``: {"ticket": ID, ...} for the actions of
  ACTIONS.
"""
import datetime as dt
import json
import os

from trytond.i18n import gettext
from trytond.modules.see_atendimento.integrity import MAX_INTEGER
from trytond.modules.see_atendimento.routes import board_errors
from trytond.modules.see_atendimento.web import (
    json_response, static_response, user_context)
from trytond.protocols.wrappers import (
    HTTPStatus, abort, with_pool, with_transaction)
from trytond.transaction import Transaction, without_check_access
from trytond.wsgi import app

from .exceptions import TicketError
from .queue_rule import order_queue, queue_class
from .ticket import AT_DESK_STATES

STATIC = os.path.join(os.path.dirname(__file__), 'static')
# Seconds between two refreshes of the page
REFRESH_SECONDS = 3
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
PAGE_HEADERS = {
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    }
# Live data: never from a cache
JSON_HEADERS = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    }


def _json(data, status=HTTPStatus.OK):
    return json_response(data, status, JSON_HEADERS)


def _not_found():
    return json_response({'error': {
                'type': HTTPStatus.NOT_FOUND.phrase,
                'message': gettext('see_atendimento.msg_web_not_found'),
                'description': '',
                }}, HTTPStatus.NOT_FOUND, JSON_HEADERS)


def _id(value):
    "The id given as value; abort with 400 when it is not one"
    if isinstance(value, bool):
        abort(HTTPStatus.BAD_REQUEST)
    try:
        id_ = int(value)
    except (TypeError, ValueError):
        abort(HTTPStatus.BAD_REQUEST)
    if not 0 < id_ <= MAX_INTEGER:
        abort(HTTPStatus.BAD_REQUEST)
    return id_


def _optional_id(value):
    return None if value in {None, ''} else _id(value)


def _text(data, name):
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        abort(HTTPStatus.BAD_REQUEST)
    return value.strip()


# Pages -------------------------------------------------------------------

@app.route('/see_presencial/console', methods={'GET'})
def console_page(request):
    "The console; its script finds the database from the web client's session"
    return static_response(STATIC, 'console.html', PAGE_HEADERS)


@app.route('/<database_name>/see_presencial/console', methods={'GET'})
def console_database_page(request, database_name):
    "The console of the database"
    return static_response(STATIC, 'console.html', PAGE_HEADERS)


# Data --------------------------------------------------------------------

def _seconds(delta):
    return max(0, int(delta.total_seconds())) if delta is not None else None


def _protocol(protocol, database):
    if not protocol:
        return None
    return {
        'id': protocol.id,
        'number': protocol.rec_name,
        'state': protocol.state,
        'state_name': protocol.state_string,
        'requester_name': protocol.requester_name,
        'requester_cpf': protocol.requester_cpf_shown,
        'classification': (protocol.classification.id
            if protocol.classification else None),
        'answer': protocol.answer,
        # The protocol's form in the web client (sao's URL of a record)
        'url': '/#%s/model/see.protocol/%s' % (database, protocol.id),
        }


def _ticket(ticket, now, database, class_=None):
    end = ticket.first_call_date if ticket.state != 'waiting' else now
    return {
        'id': ticket.id,
        'number': ticket.number,
        'service': ticket.service.rec_name,
        'priority': ticket.priority.rec_name if ticket.priority else None,
        'priority_weight': ticket.priority.weight if ticket.priority else 0,
        'class': class_,
        'state': ticket.state,
        'state_name': ticket.state_string,
        'call_count': ticket.call_count or 0,
        'waiting': _seconds(end - ticket.arrival) if end else None,
        'scheduled_time': (ticket.scheduled_time.isoformat()
            if ticket.scheduled_time else None),
        'requester_name': ticket.requester_name,
        'target_desk': (ticket.target_desk.rec_name
            if ticket.target_desk else None),
        'protocol': _protocol(ticket.protocol, database),
        }


def _desk(pool, desk_id):
    """The desk of desk_id, if the user may work at it: refused with the
    reason (403) otherwise, None when it does not exist"""
    Desk = pool.get('see.site.desk')
    # Who is on duty is read whatever the user may read: the refusal must
    # say why; the user's own access applies to everything after
    with without_check_access():
        desks = Desk.search([('id', '=', desk_id)])
        if not desks:
            return None
        desk, = desks
        desk.check_on_duty()
    return Desk(desk_id)


def desk_queue(pool, desk):
    """The waiting tickets desk may call, in the order the site's rule
    would call them, with the class each would be called as"""
    Ticket = pool.get('see.ticket')
    site = desk.site
    tickets, candidates = Ticket.candidates(desk)
    now = dt.datetime.now()
    recent = Ticket.recent_classes(
        site, max(site.priority_ratio, site.normal_ratio))
    order = order_queue(candidates, now, recent,
        site.priority_ratio, site.normal_ratio)
    by_id = {c.id: c for c in candidates}
    return [(tickets[i], queue_class(by_id[i], now)) for i in order]


def _current(pool, desk):
    Ticket = pool.get('see.ticket')
    tickets = Ticket.search([
            ('desk', '=', desk.id),
            ('state', 'in', list(AT_DESK_STATES)),
            ], order=[('call_date', 'DESC'), ('id', 'DESC')], limit=1)
    return tickets[0] if tickets else None


@app.route('/<database_name>/see_presencial/console/desks', methods={'GET'})
@app.auth_required
@with_pool
@board_errors
@with_transaction(user='request', context=dict(_check_access=True))
def console_desks(request, pool):
    "The desks where the user is on duty or that the user supervises"
    Desk = pool.get('see.site.desk')
    User = pool.get('res.user')
    user_id = Transaction().user
    with user_context(pool):
        with without_check_access():
            desks = Desk.search(['OR',
                    ('agents', '=', user_id),
                    ('site.supervisors', '=', user_id),
                    ])
        user = User(user_id)
        return _json({
                'user': user.rec_name,
                'desks': [{
                        'id': d.id,
                        'name': d.rec_name,
                        'site': d.site.rec_name,
                        } for d in desks],
                })


@app.route('/<database_name>/see_presencial/console/desk/<int:desk_id>',
    methods={'GET'})
@app.auth_required
@with_pool
@board_errors
@with_transaction(user='request', context=dict(_check_access=True))
def console_desk(request, pool, desk_id):
    "The desk now: its current ticket, queue and suspended tickets"
    Ticket = pool.get('see.ticket')
    Classification = pool.get('see.classification')
    User = pool.get('res.user')
    database = pool.database_name
    with user_context(pool):
        desk = _desk(pool, desk_id)
        if desk is None:
            return _not_found()
        site = desk.site
        now = dt.datetime.now()
        current = _current(pool, desk)
        suspended = Ticket.search([
                ('desk', '=', desk.id),
                ('state', '=', 'suspended'),
                ], order=[('call_date', 'ASC'), ('id', 'ASC')])
        classifications = []
        if current and current.protocol:
            classifications = [{'id': c.id, 'name': c.rec_name}
                for c in Classification.search([])]
        user = User(Transaction().user)
        return _json({
                'user': user.rec_name,
                'time': now.isoformat(timespec='seconds'),
                'refresh': REFRESH_SECONDS,
                'desk': {
                    'id': desk.id,
                    'name': desk.rec_name,
                    'site': site.rec_name,
                    'no_show_calls': site.no_show_calls,
                    },
                'current': (_ticket(current, now, database)
                    if current else None),
                'queue': [_ticket(t, now, database, class_)
                    for t, class_ in desk_queue(pool, desk)],
                'suspended': [_ticket(t, now, database) for t in suspended],
                'services': [{'id': line.service.id,
                        'name': line.service.rec_name}
                    for line in site.services],
                'desks': [{'id': d.id, 'name': d.rec_name}
                    for d in site.desks if d.active and d != desk],
                'classifications': classifications,
                })


# Actions -----------------------------------------------------------------

def _ticket_of(pool, desk, data, states):
    """The ticket of data that is at desk in one of states (or, for
    waiting, in the desk's queue); refused otherwise"""
    Ticket = pool.get('see.ticket')
    ticket_id = _id(data.get('ticket'))
    tickets = Ticket.search([('id', '=', ticket_id)])
    if not tickets:
        return None
    ticket, = tickets
    if ticket.state == 'waiting' and 'waiting' in states:
        queue = {t.id for t, _ in desk_queue(pool, desk)}
        if ticket.id in queue:
            return ticket
        raise TicketError(gettext(
                'see_presencial.msg_console_not_in_queue',
                ticket=ticket.rec_name, desk=desk.rec_name))
    if ticket.desk != desk or ticket.state not in states:
        raise TicketError(gettext(
                'see_presencial.msg_console_not_at_desk',
                ticket=ticket.rec_name, desk=desk.rec_name))
    return ticket


def action_call_next(pool, desk, data):
    Desk = pool.get('see.site.desk')
    Desk.call_next([desk])
    return desk


def action_call(pool, desk, data):
    Ticket = pool.get('see.ticket')
    ticket = _ticket_of(pool, desk, data, {'waiting'})
    if ticket:
        Ticket.call([ticket], desk.id)
    return ticket


def _button(name, states):
    "An action that clicks the ticket's button name"
    def action(pool, desk, data):
        Ticket = pool.get('see.ticket')
        ticket = _ticket_of(pool, desk, data, states)
        if ticket:
            getattr(Ticket, name)([ticket])
        return ticket
    return action


def action_transfer(pool, desk, data):
    Ticket = pool.get('see.ticket')
    ticket = _ticket_of(pool, desk, data, {'called', 'attending'})
    if ticket:
        Ticket.transfer_to([ticket],
            _optional_id(data.get('service')), _optional_id(data.get('desk')))
    return ticket


def action_cancel(pool, desk, data):
    Ticket = pool.get('see.ticket')
    ticket = _ticket_of(
        pool, desk, data, {'called', 'attending', 'suspended'})
    if ticket:
        Ticket.cancel_with_reason([ticket], _text(data, 'reason'))
    return ticket


def _attending_protocol(pool, desk, data):
    ticket = _ticket_of(pool, desk, data, {'attending'})
    if ticket and not ticket.protocol:
        raise TicketError(gettext(
                'see_presencial.msg_console_no_protocol',
                ticket=ticket.rec_name))
    return ticket


def action_identify(pool, desk, data):
    """Fill the requester of the attendance's protocol and start it when
    it is a draft: the protocol's own write and start button"""
    Protocol = pool.get('see.protocol')
    ticket = _attending_protocol(pool, desk, data)
    if ticket:
        protocol = ticket.protocol
        values = {}
        for name in ['requester_name', 'requester_cpf']:
            value = _text(data, name)
            if value is not None:
                values[name] = value or None
        if values:
            Protocol.write([protocol], values)
        if Protocol(protocol.id).state == 'draft':
            Protocol.start([protocol])
    return ticket


def action_resolve(pool, desk, data):
    """Classify and answer the attendance's protocol and resolve it: the
    protocol's own write and resolve button"""
    Protocol = pool.get('see.protocol')
    ticket = _attending_protocol(pool, desk, data)
    if ticket:
        protocol = ticket.protocol
        values = {}
        classification = _optional_id(data.get('classification'))
        if classification:
            values['classification'] = classification
        answer = _text(data, 'answer')
        if answer:
            values['answer'] = answer
        if values:
            Protocol.write([protocol], values)
        Protocol.resolve([Protocol(protocol.id)])
    return ticket


ACTIONS = {
    'call_next': action_call_next,
    'call': action_call,
    'recall': _button('recall', {'called'}),
    'start': _button('start', {'called'}),
    'no_show': _button('no_show', {'called'}),
    'suspend': _button('suspend', {'attending'}),
    'resume': _button('resume', {'suspended'}),
    'finish': _button('finish', {'attending'}),
    'transfer': action_transfer,
    'cancel': action_cancel,
    'identify': action_identify,
    'resolve': action_resolve,
    }


@app.route(
    '/<database_name>/see_presencial/console/desk/<int:desk_id>/<action>',
    methods={'POST'})
@app.auth_required
@with_pool
@board_errors
@with_transaction(user='request', context=dict(_check_access=True))
def console_action(request, pool, desk_id, action):
    """Do action at the desk: {"ticket": ID} and, to transfer, "service"
    and/or "desk"; to cancel, "reason"; to identify the requester,
    "requester_name" and "requester_cpf"; to resolve the protocol,
    "classification" and "answer"."""
    if action not in ACTIONS:
        abort(HTTPStatus.NOT_FOUND)
    try:
        data = json.loads(request.get_data(as_text=True) or '{}')
    except ValueError:
        abort(HTTPStatus.BAD_REQUEST)
    if not isinstance(data, dict):
        abort(HTTPStatus.BAD_REQUEST)
    Desk = pool.get('see.site.desk')
    with user_context(pool):
        desk = _desk(pool, desk_id)
        if desk is None:
            return _not_found()
        if ACTIONS[action](pool, desk, data) is None:
            return _not_found()
        current = _current(pool, Desk(desk.id))
        return _json({
                'current': (_ticket(current, dt.datetime.now(),
                        pool.database_name) if current else None),
                })

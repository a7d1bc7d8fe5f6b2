# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Web routes of the site's devices: kiosk, calling panel, evaluation tablet.

The pages (public files, no user) are ``/<database>/see_presencial/kiosk``,
``/<database>/see_presencial/panel`` and ``/<database>/see_presencial/tablet``.
An administrator registers each device (Atendimento > Configuração >
Dispositivos) and opens its page once with ``#token=TOKEN``: the page keeps
the token in the browser and sends it in the ``X-Device-Token`` header of
every request of its JSON API below. A missing, wrong or revoked token, or
one of a device of another kind, is answered 403 with
``{"error": {"type", "message"}}`` (message in Portuguese); an address that
sent too many wrong tokens in the last minute gets 429.

Kiosk (device of kind kiosk, bound to a site):

- ``GET  /<database>/see_presencial/kiosk/options``:
  ``{site, services: [{id, name, prefix}], priorities: [{id, name,
  legal_basis}]}``, and ``check_in: true`` where see_agendamento is
  installed (the page then offers "Tenho agendamento")
- ``POST /<database>/see_presencial/kiosk/tickets`` with
  ``{service, priority, cpf, name}`` (priority, cpf and name optional):
  201 ``{ticket: {number, service, priority, site, issue_date, ahead,
  estimate}}`` (estimate in minutes or null); 400 with the message of what
  to fix, 429 beyond ``[see_presencial] kiosk_tickets`` per minute.

Calling panel (device of kind panel, bound to a site):

- ``GET /<database>/see_presencial/panel/calls`` (no ``last``): at once,
  ``{site, calls: [...], last: ""}`` with the last calls of the day, oldest
  first, read from the database (a panel that reconnects loses nothing).
- ``GET /<database>/see_presencial/panel/calls?last=CURSOR``: a long poll
  for the calls published on Tryton's bus for the site after the bus
  message CURSOR (listener.py). It answers as soon as there is one (at the
  commit of the call, whatever made it) with ``{calls: [call, ...], last:
  NEW_CURSOR}``, oldest first, or after ``[see_presencial] panel_wait``
  seconds (60) with ``{calls: [], last: CURSOR}``. Send ``last=`` (empty)
  after the first answer, then each ``last`` received. With a cursor the
  server no longer keeps (older than 5 minutes, another process restarted)
  or empty, it answers every call of the site it keeps: a call may thus
  come twice, ``key`` identifies it. On a database without channels
  (SQLite) it waits a few seconds and answers the calls of the database.
- A call: ``{key, number, desk, desk_number, service, calls, date,
  announcement}``: ``calls`` is the count of calls of the ticket at its
  desk, ``date`` the time of the call (ISO 8601, server time),
  ``announcement`` the text the panel says ("Senha MAT zero zero um,
  Guichê 2"). No citizen's name or CPF.

Evaluation tablet (device of kind tablet, bound to a desk):

- ``GET  /<database>/see_presencial/tablet/state``: ``{site, desk, pending:
  {ticket, number, service} or null}``: the attendance finished at the desk
  waiting for its evaluation.
- ``POST /<database>/see_presencial/tablet/evaluation`` with ``{ticket,
  score}`` (0 to 10): the score goes to the protocol's survey, once.

Every answer is JSON, errors included; the data routes run as root but
only through the methods of the models, which validate everything; a
refusal rolls the transaction back.
"""
import functools
import json
import logging
import os
import time

from trytond import backend
from trytond import config
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.modules.see_atendimento import web
from trytond.modules.see_atendimento.device import device_required
from trytond.modules.see_atendimento.exceptions import DeviceRateError
from trytond.modules.see_atendimento.limiter import register_long_poll
from trytond.protocols.wrappers import (
    HTTPStatus, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from .exceptions import DevicePageError
from .listener import wait_calls
from .panel import MESSAGE_TYPE, panel_channel

logger = logging.getLogger(__name__)

STATIC = os.path.join(os.path.dirname(__file__), 'static')
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'")
JSON_HEADERS = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    }
# Without bus channels (SQLite) the panel polls this often
FALLBACK_WAIT = 3
CURSOR_SIZE = 64


def _json(data, status=HTTPStatus.OK):
    return web.json_response(data, status, JSON_HEADERS)


def _status_of(error):
    if isinstance(error, DeviceRateError):
        return HTTPStatus.TOO_MANY_REQUESTS
    if isinstance(error, DevicePageError):
        return HTTPStatus.FORBIDDEN
    return HTTPStatus.BAD_REQUEST


_user_errors = web.json_errors(_status_of, JSON_HEADERS)


def _run(pool, func, readonly=True):
    "Run func as root in a transaction of its own"
    with Transaction().start(pool.database_name, 0, readonly=readonly):
        return func()


def json_errors(func):
    """User errors as JSON with their status; anything else a JSON 500 (503
    when the database is busy) whose text says what to do, never the
    exception's, which goes to the log"""
    func = _user_errors(func)

    @functools.wraps(func)
    def wrapper(request, pool, *args, **kwargs):
        try:
            return func(request, pool, *args, **kwargs)
        except Exception as error:
            busy = isinstance(error, backend.DatabaseOperationalError)
            logger.log(logging.INFO if busy else logging.ERROR,
                "device request %s failed", request.path, exc_info=True)
            try:
                message = _run(pool, lambda: gettext(
                        'see_atendimento.msg_web_internal_error'))
            except Exception:
                message = ("The server could not complete the request. "
                    "Try again.")
            return _json({'error': {'type': 'ServerError',
                        'message': message, 'description': ''}},
                status=HTTPStatus.SERVICE_UNAVAILABLE if busy
                else HTTPStatus.INTERNAL_SERVER_ERROR)
    return wrapper


def _body(request):
    "The JSON object of the request; refuse what cannot be read"
    try:
        data = json.loads(request.get_data(as_text=True) or '{}')
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise UserError(gettext('see_presencial.msg_device_request_invalid'))
    return data


def _static(filename, csp=None):
    headers = {'X-Content-Type-Options': 'nosniff'}
    if csp:
        headers['Content-Security-Policy'] = csp
    return web.static_response(STATIC, filename, headers)


# Pages -------------------------------------------------------------------

@app.route('/<database_name>/see_presencial/kiosk', methods={'GET'})
def kiosk_page(request, database_name):
    "The kiosk where citizens take their ticket"
    return _static('kiosk.html', CSP)


@app.route('/<database_name>/see_presencial/panel', methods={'GET'})
def panel_page(request, database_name):
    "The TV panel of the waiting room"
    return _static('panel.html', CSP)


@app.route('/<database_name>/see_presencial/tablet', methods={'GET'})
def tablet_page(request, database_name):
    "The tablet of a desk where citizens rate their attendance"
    return _static('tablet.html', CSP)


@app.route('/see_presencial/static/<path:filename>', methods={'GET'})
def static_file(request, filename):
    return _static(filename)


# Kiosk -------------------------------------------------------------------

@app.route('/<database_name>/see_presencial/kiosk/options', methods={'GET'})
@with_pool
@json_errors
@device_required('kiosk')
@with_transaction()
def kiosk_options(request, pool, device_id):
    "The site's services and the priority categories"
    Device = pool.get('see.device')
    Ticket = pool.get('see.ticket')
    return _json(Ticket.kiosk_options(Device(device_id)))


@app.route('/<database_name>/see_presencial/kiosk/tickets', methods={'POST'})
@with_pool
@json_errors
@device_required('kiosk')
@with_transaction()
def kiosk_issue(request, pool, device_id):
    "Issue a ticket: {service, priority, cpf, name}"
    Device = pool.get('see.device')
    Ticket = pool.get('see.ticket')
    data = _body(request)
    ticket = Ticket.issue_from_device(Device(device_id),
        data.get('service'), priority=data.get('priority'),
        cpf=data.get('cpf'), name=data.get('name'))
    return _json({'ticket': ticket.receipt()}, status=HTTPStatus.CREATED)


# Panel -------------------------------------------------------------------

# The calling panels wait there for the next call
register_long_poll(r'/[^/]+/see_presencial/panel/calls')


@app.route('/<database_name>/see_presencial/panel/calls', methods={'GET'})
@with_pool
@json_errors
@device_required('panel')
def panel_calls(request, pool, device_id):
    "The last calls, or a long poll for the next one (see above)"
    last = request.args.get('last')

    def read():
        Device = pool.get('see.device')
        Ticket = pool.get('see.ticket')
        site = Device(device_id).site
        return site.id, site.rec_name, Ticket.panel_calls(site)
    if last is None:
        _, name, calls = _run(pool, read)
        return _json({'site': name, 'calls': calls, 'last': ''})
    last = last[:CURSOR_SIZE]
    if not backend.Database(pool.database_name).has_channel():
        time.sleep(FALLBACK_WAIT)
        _, _, calls = _run(pool, read)
        return _json({'calls': calls, 'last': last})
    site_id = _run(pool, lambda: pool.get('see.device')(device_id).site.id)
    # No transaction is held while waiting
    messages = wait_calls(pool.database_name, panel_channel(site_id), last,
        config.getint('see_presencial', 'panel_wait', default=60))
    calls = [{k: v for k, v in m.items() if k not in {'type', 'message_id'}}
        for m in messages if m.get('type') == MESSAGE_TYPE]
    if messages:
        last = messages[-1].get('message_id') or last
    return _json({'calls': calls, 'last': last})


# Tablet ------------------------------------------------------------------

@app.route('/<database_name>/see_presencial/tablet/state', methods={'GET'})
@with_pool
@json_errors
@device_required('tablet')
@with_transaction()
def tablet_state(request, pool, device_id):
    "The attendance of the desk waiting for its evaluation, if any"
    Device = pool.get('see.device')
    Ticket = pool.get('see.ticket')
    device = Device(device_id)
    ticket = Ticket.pending_evaluation(device.desk)
    return _json({
            'site': device.site.rec_name,
            'desk': device.desk.rec_name,
            'pending': {
                'ticket': ticket.id,
                'number': ticket.number,
                'service': ticket.service.rec_name,
                } if ticket else None,
            })


@app.route('/<database_name>/see_presencial/tablet/evaluation',
    methods={'POST'})
@with_pool
@json_errors
@device_required('tablet')
@with_transaction()
def tablet_evaluate(request, pool, device_id):
    "The citizen's score: {ticket, score}"
    Device = pool.get('see.device')
    Ticket = pool.get('see.ticket')
    data = _body(request)
    ticket_id = data.get('ticket')
    if isinstance(ticket_id, bool) or not isinstance(ticket_id, int):
        ticket_id = None
    score = data.get('score')
    ticket = Ticket.evaluate_from_device(Device(device_id), ticket_id, score)
    return _json({'ticket': ticket.number, 'score': int(score)})

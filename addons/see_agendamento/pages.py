# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The citizens' booking pages (public, no login).

- ``GET /<database>/see_agendamento/book``: choose a service, in person or
  by video, a day and a time, identify and confirm.
- ``GET /<database>/see_agendamento/appointment/<token>``: the citizen's
  private page of an appointment (the link of the e-mails): see,
  reschedule or cancel it.

Their JSON API, every answer JSON, errors ``{"error": {"type", "message"}}``
with the message in Portuguese (400, 404 for an unknown token, 429 beyond
``[see_agendamento] address_requests`` requests per minute of an address):

- ``GET  api/types``: ``{types: [{id, name, service, service_id, site,
  channels}]}``; the page opened with ``?service=ID`` chooses the first
  type of the service (the assistant links there)
- ``GET  api/slots?type=ID``: ``{days: [{date, label, slots: [{start,
  time, free}]}]}``, the free slots within the type's horizon; ``start``
  is UTC (ISO 8601), ``time`` the unit's local time.
- ``POST api/hold`` with ``{type, channel, start}``: holds the slot,
  ``{token, minutes}``, or 400 when it was just taken.
- ``POST api/appointment/<token>/confirm`` with ``{name, cpf, email,
  phone, consent}``: books the held slot (consent: the privacy notice's
  box, required); ``{appointment}``.
- ``GET  api/appointment/<token>``: ``{appointment: {number, state,
  service, site, channel, start, when, ...}}``
- ``POST api/appointment/<token>/reschedule`` with ``{start, channel}``
- ``POST api/appointment/<token>/cancel``

The kiosk of the site (a see.device of kind kiosk, its token in the
``X-Device-Token`` header as the see_presencial pages send it):

- ``POST kiosk/check_in`` with ``{code}`` (the appointment's number, AG…,
  or the citizen's CPF; ``{cpf}`` is read too): checks in the citizen's
  in-person appointment of today at the kiosk's site; 201 ``{ticket}``
  (the receipt of see_presencial's kiosk, its priority "Agendado"), 400
  with what to do when it is too early, too late or there is none. The
  kiosk page shows its "Tenho agendamento" button when the kiosk options
  say ``check_in: true`` (this module installed).

The video room, ``GET /<database>/see_agendamento/video/<token>``, for the
citizen with their token and for the agent with the room token (the link
of the appointment's "Start Video" button); its signalling is polled:

- ``GET  api/video/<token>``: ``{side, appointment, started, protocol,
  ice_servers}``
- ``POST api/video/<token>/signals`` with ``{kind, payload}`` (hello,
  offer, answer, candidate, bye) for the other side
- ``GET  api/video/<token>/signals?after=ID&chat=ID``: ``{signals: [{id,
  kind, payload}], chat: [{id, side, author, text}], started, consent}``
- ``POST api/video/<token>/chat`` with ``{text}``: kept on the protocol
- ``POST api/video/<token>/consent`` with ``{granted}``: the citizen's
  answer to the recording, stored on the appointment

The data routes run as root through the models' methods, which check
everything; the token is the citizen's only key and is never listed.
"""
import datetime as dt
import hashlib
import json
import os

from trytond import config
from trytond.i18n import gettext
from trytond.modules.see_atendimento import web
from trytond.modules.see_atendimento.device import device_required
from trytond.protocols.wrappers import (
    HTTPStatus, with_pool, with_transaction)
from trytond.tools.timezone import UTC
from trytond.transaction import Transaction
from trytond.wsgi import app

from .exceptions import BookingPageError, NotFoundError, RateLimitError
from .notification import notice_language
from .video import ice_servers, room_side

STATIC = os.path.join(os.path.dirname(__file__), 'static')
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "media-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'")
JSON_HEADERS = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    }
WEEKDAYS = ['seg', 'ter', 'qua', 'qui', 'sex', 'sáb', 'dom']


def _status_of(error):
    if isinstance(error, RateLimitError):
        return HTTPStatus.TOO_MANY_REQUESTS
    if isinstance(error, NotFoundError):
        return HTTPStatus.NOT_FOUND
    return HTTPStatus.BAD_REQUEST


json_errors = web.json_errors(_status_of, JSON_HEADERS)


def _json(data, status=HTTPStatus.OK):
    return web.json_response(data, status, JSON_HEADERS)


def _static(filename, csp=None):
    headers = {'X-Content-Type-Options': 'nosniff'}
    if csp:
        headers['Content-Security-Policy'] = csp
    return web.static_response(STATIC, filename, headers)


def _context():
    return {'language': notice_language()}


def limited(func):
    """Count the request against its address's limit per minute, in a
    transaction of its own committed even when the request is refused"""
    def wrapper(request, pool, *args, **kwargs):
        limit = config.getint(
            'see_agendamento', 'address_requests', default=120)
        key = 'agd:' + hashlib.sha256(
            (request.remote_addr or '').encode()).hexdigest()[:32]
        with Transaction().start(pool.database_name, 0,
                context=_context(), autocommit=True):
            Rate = pool.get('see.device.rate')
            if not Rate.hit(key, limit):
                raise RateLimitError(
                    gettext('see_agendamento.msg_page_rate'))
        return func(request, pool, *args, **kwargs)
    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def _body(request):
    try:
        data = json.loads(request.get_data(as_text=True) or '{}')
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise BookingPageError(gettext('see_agendamento.msg_page_invalid'))
    return data


def _start(value):
    "The UTC naive datetime of an ISO 8601 text the page sent"
    try:
        start = dt.datetime.fromisoformat(str(value).replace('Z', '+00:00'))
    except ValueError:
        raise BookingPageError(gettext('see_agendamento.msg_page_invalid'))
    if start.tzinfo:
        start = start.astimezone(UTC).replace(tzinfo=None)
    return start


def _iso(value):
    return value.replace(tzinfo=UTC).isoformat().replace('+00:00', 'Z')


def _appointment(pool, token):
    Appointment = pool.get('see.appointment')
    appointment = Appointment.by_token(token)
    if not appointment:
        raise NotFoundError(gettext('see_agendamento.msg_page_not_found'))
    return appointment


def _describe(appointment):
    return {
        'number': appointment.number,
        'state': appointment.state,
        'state_string': appointment.state_string,
        'type': appointment.booking_type.id,
        'service': appointment.service.rec_name,
        'site': appointment.site.rec_name,
        'address': appointment.site.address or '',
        'channel': appointment.channel,
        'channel_string': appointment.channel_string,
        'start': _iso(appointment.start),
        'when': appointment.local_start,
        'name': appointment.requester_name or '',
        'hold_expires': (_iso(appointment.hold_expires)
            if appointment.hold_expires else None),
        'video': (appointment.channel == 'video'
            and appointment.state == 'confirmed'),
        'documents': appointment.required_documents(),
        }


# Pages -------------------------------------------------------------------

@app.route('/<database_name>/see_agendamento/book', methods={'GET'})
def book_page(request, database_name):
    "The page where citizens book an appointment"
    return _static('book.html', CSP)


@app.route('/<database_name>/see_agendamento/appointment/<token>',
    methods={'GET'})
def appointment_page(request, database_name, token):
    "The citizen's private page of an appointment"
    return _static('appointment.html', CSP)


@app.route('/see_agendamento/static/<path:filename>', methods={'GET'})
def static_file(request, filename):
    return _static(filename)


# API ---------------------------------------------------------------------

@app.route('/<database_name>/see_agendamento/api/types', methods={'GET'})
@with_pool
@json_errors
@limited
@with_transaction(context=_context())
def types(request, pool):
    BookingType = pool.get('see.booking.type')
    return _json({'types': [{
                    'id': t.id,
                    'name': t.name,
                    'service': t.service.rec_name,
                    'service_id': t.service.id,
                    'site': t.site.rec_name,
                    'channels': t.channels,
                    } for t in BookingType.search([])]})


@app.route('/<database_name>/see_agendamento/api/slots', methods={'GET'})
@with_pool
@json_errors
@limited
@with_transaction(context=_context())
def slots(request, pool):
    BookingType = pool.get('see.booking.type')
    try:
        booking_type = BookingType(int(request.args.get('type', '')))
        booking_type.name
    except (ValueError, TypeError, IndexError, KeyError):
        raise NotFoundError(gettext('see_agendamento.msg_page_not_found'))
    if not booking_type.active:
        raise NotFoundError(gettext('see_agendamento.msg_page_not_found'))
    calendar = booking_type.site.calendar
    now = dt.datetime.now()
    first = calendar.local_date(now)
    last = first + dt.timedelta(days=min(booking_type.maximum_horizon, 31))
    zone = calendar.zone
    days = {}
    for start, end, free in booking_type.availability(first, last, now):
        local = start.replace(tzinfo=UTC).astimezone(zone)
        day = days.setdefault(local.date(), [])
        day.append({'start': _iso(start), 'time': local.strftime('%H:%M'),
                'free': free})
    return _json({'days': [{
                    'date': d.isoformat(),
                    'label': '%s %s' % (
                        WEEKDAYS[d.weekday()], d.strftime('%d/%m')),
                    'slots': s,
                    } for d, s in sorted(days.items())]})


@app.route('/<database_name>/see_agendamento/api/hold', methods={'POST'})
@with_pool
@json_errors
@limited
@with_transaction(context=_context())
def hold(request, pool):
    Appointment = pool.get('see.appointment')
    data = _body(request)
    try:
        type_id = int(data.get('type'))
    except (TypeError, ValueError):
        raise BookingPageError(gettext('see_agendamento.msg_page_invalid'))
    appointment = Appointment.book(type_id, str(data.get('channel') or ''),
        _start(data.get('start')))
    return _json({
            'token': appointment.token,
            'minutes': appointment.booking_type.hold_minutes,
            }, HTTPStatus.CREATED)


@app.route('/<database_name>/see_agendamento/api/appointment/<token>',
    methods={'GET'})
@with_pool
@json_errors
@limited
@with_transaction(context=_context())
def appointment_read(request, pool, token):
    return _json({'appointment': _describe(_appointment(pool, token))})


@app.route(
    '/<database_name>/see_agendamento/api/appointment/<token>/confirm',
    methods={'POST'})
@with_pool
@json_errors
@limited
@with_transaction(context=_context())
def appointment_confirm(request, pool, token):
    Appointment = pool.get('see.appointment')
    data = _body(request)
    appointment = _appointment(pool, token)
    if appointment.state != 'draft':
        raise BookingPageError(
            gettext('see_agendamento.msg_page_not_held'))
    # The LGPD notice of the page, accepted with its checkbox
    Appointment.accept_notice([appointment], data.get('consent'))
    values = {}
    for key, name in [('name', 'requester_name'), ('cpf', 'requester_cpf'),
            ('email', 'requester_email'), ('phone', 'requester_phone')]:
        value = str(data.get(key) or '').strip()[:200]
        values[name] = value or None
    Appointment.write([appointment], values)
    Appointment.confirm([appointment])
    return _json({'appointment': _describe(appointment)})


@app.route(
    '/<database_name>/see_agendamento/api/appointment/<token>/reschedule',
    methods={'POST'})
@with_pool
@json_errors
@limited
@with_transaction(context=_context())
def appointment_reschedule(request, pool, token):
    data = _body(request)
    appointment = _appointment(pool, token)
    appointment.reschedule_to(_start(data.get('start')),
        str(data.get('channel') or '') or None)
    return _json({'appointment': _describe(appointment)})


@app.route(
    '/<database_name>/see_agendamento/api/appointment/<token>/cancel',
    methods={'POST'})
@with_pool
@json_errors
@limited
@with_transaction(context=_context())
def appointment_cancel(request, pool, token):
    Appointment = pool.get('see.appointment')
    appointment = _appointment(pool, token)
    if appointment.state not in {'draft', 'confirmed'}:
        raise BookingPageError(
            gettext('see_agendamento.msg_page_not_cancellable'))
    Appointment.cancel([appointment], reason=gettext(
            'see_agendamento.msg_page_cancelled_by_citizen'))
    return _json({'appointment': _describe(appointment)})


# Kiosk -------------------------------------------------------------------

@app.route('/<database_name>/see_agendamento/kiosk/check_in',
    methods={'POST'})
@with_pool
@json_errors
@device_required('kiosk')
@with_transaction(context=_context())
def kiosk_check_in(request, pool, device_id):
    """A booked citizen checks in at the site's kiosk with the number of
    their appointment or their CPF and gets the ticket of the scheduled
    queue"""
    Device = pool.get('see.device')
    Appointment = pool.get('see.appointment')
    data = _body(request)
    ticket = Appointment.check_in_at_kiosk(Device(device_id),
        str(data.get('code') or data.get('cpf') or '')[:20])
    return _json({'ticket': ticket.receipt()}, HTTPStatus.CREATED)


# Video room --------------------------------------------------------------

def _room(pool, token):
    appointment, side = room_side(token)
    if not appointment:
        raise NotFoundError(gettext('see_agendamento.msg_page_not_found'))
    return appointment, side


@app.route('/<database_name>/see_agendamento/video/<token>',
    methods={'GET'})
def video_page(request, database_name, token):
    "The video room, for the citizen (their token) or the agent"
    return _static('video.html', CSP)


@app.route('/<database_name>/see_agendamento/api/video/<token>',
    methods={'GET'})
@with_pool
@json_errors
@limited
@with_transaction(context=_context())
def video_room(request, pool, token):
    "Who is in the room and how to reach the other side"
    appointment, side = _room(pool, token)
    return _json({
            'side': side,
            'appointment': _describe(appointment),
            'started': bool(appointment.protocol),
            'protocol': (appointment.protocol.number
                if appointment.protocol else None),
            'consent': appointment.recording_consent,
            'ice_servers': ice_servers(),
            })


@app.route('/<database_name>/see_agendamento/api/video/<token>/signals',
    methods={'GET', 'POST'})
@with_pool
@json_errors
@limited
@with_transaction(context=_context())
def video_signals(request, pool, token):
    """POST {kind, payload}: a signal to the other side; GET ?after=ID: the
    other side's signals and the room's chat after the given ids"""
    Signal = pool.get('see.appointment.signal')
    Chat = pool.get('see.appointment.chat')
    appointment, side = _room(pool, token)
    if appointment.state != 'confirmed' or appointment.channel != 'video':
        raise BookingPageError(
            gettext('see_agendamento.msg_video_closed'))
    if request.method == 'POST':
        data = _body(request)
        signal = Signal.send(appointment, side, str(data.get('kind') or ''),
            json.dumps(data.get('payload')))
        return _json({'id': signal.id}, HTTPStatus.CREATED)
    try:
        after = int(request.args.get('after') or 0)
        chat_after = int(request.args.get('chat') or 0)
    except ValueError:
        raise BookingPageError(gettext('see_agendamento.msg_page_invalid'))
    signals = Signal.receive(appointment, side, after)
    for signal in signals:
        signal['payload'] = json.loads(signal['payload'] or 'null')
    chat = [{'id': m.id, 'side': m.side, 'author': m.author or '',
            'text': m.text}
        for m in Chat.search([
                ('appointment', '=', appointment.id),
                ('id', '>', chat_after),
                ], order=[('id', 'ASC')], limit=200)]
    return _json({'signals': signals, 'chat': chat,
            'started': bool(appointment.protocol),
            'consent': appointment.recording_consent})


@app.route('/<database_name>/see_agendamento/api/video/<token>/consent',
    methods={'POST'})
@with_pool
@json_errors
@limited
@with_transaction(context=_context())
def video_consent(request, pool, token):
    "The citizen's answer to the recording of the attendance"
    appointment, side = _room(pool, token)
    if side != 'citizen':
        raise NotFoundError(gettext('see_agendamento.msg_page_not_found'))
    appointment.answer_consent(bool(_body(request).get('granted')))
    return _json({'consent': appointment.recording_consent})


@app.route('/<database_name>/see_agendamento/api/video/<token>/chat',
    methods={'POST'})
@with_pool
@json_errors
@limited
@with_transaction(context=_context())
def video_chat(request, pool, token):
    "A chat message of the room, kept on the protocol"
    Chat = pool.get('see.appointment.chat')
    appointment, side = _room(pool, token)
    if appointment.state != 'confirmed' or appointment.channel != 'video':
        raise BookingPageError(
            gettext('see_agendamento.msg_video_closed'))
    message = Chat.post(appointment, side, str(_body(request).get('text')
            or ''))
    return _json({'id': message.id}, HTTPStatus.CREATED)

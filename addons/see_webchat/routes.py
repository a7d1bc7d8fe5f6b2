# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Web routes of the webchat.

Citizen (public, no Tryton user): the page ``/<database>/see_webchat/``, the
embedding script ``/<database>/see_webchat/embed.js`` and the JSON API under
``/<database>/see_webchat/api/``.  A conversation is reached by its id and
the token given when it started, sent in the ``X-Chat-Token`` header.  The
API runs as root without access checks but only through the methods of
`see.chat.session`, which validate everything; every refusal rolls the
transaction back, so nothing is stored.

Agent: the console page ``/see_webchat/console`` (opened from the menu of
the web client) and the JSON API under ``/<database>/see_webchat/agent/``,
authenticated by the web client's session cookie like the escalation board;
it runs as that user with ``_check_access``, so groups, access rights and
record rules apply.

New messages are delivered by long polling (see notify.py).

Every answer of the API is JSON, errors included: a user error with its
Portuguese message and the status that fits it (404 for what does not
exist, an id beyond the database's range too; 403 for access), anything
unexpected as a 500 whose text says what to do, never the exception's.
"""
import functools
import json
import logging
import os
import unicodedata
import urllib.parse

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from trytond import backend
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.see_atendimento import faults, web
from trytond.modules.see_atendimento.integrity import MAX_INTEGER
from trytond.modules.see_atendimento.limiter import register_long_poll
from trytond.protocols.wrappers import (
    HTTPStatus, Response, set_max_request_size, with_pool, with_transaction)
from trytond.transaction import Transaction, without_check_access
from trytond.wsgi import app

from . import notify
from .exceptions import (
    AttachmentError, ChatAccessError, ChatValidationError, MessageSizeError,
    NotFoundError, RateLimitError, TokenError)

logger = logging.getLogger(__name__)

STATIC = os.path.join(os.path.dirname(__file__), 'static')
MAX_REQUEST_SIZE = 4 * 1024 * 1024
# The console lists the oldest waiting conversations, and the count of all
QUEUE_SHOWN = 50
CSP_WIDGET = ("default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors *")
CSP_CONSOLE = ("default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
JSON_HEADERS = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    }


def _json(data, status=HTTPStatus.OK):
    return web.json_response(data, status, JSON_HEADERS)


def _status_of(error):
    if isinstance(error, NotFoundError):
        return HTTPStatus.NOT_FOUND
    if isinstance(error, TokenError):
        return HTTPStatus.FORBIDDEN
    if isinstance(error, RateLimitError):
        return HTTPStatus.TOO_MANY_REQUESTS
    if isinstance(error, MessageSizeError):
        return HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    if isinstance(error, AttachmentError):
        return HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    # Tryton's access rights and record rules, the read-only fields, the
    # buttons of other groups and the chat's own checks
    if isinstance(error, (AccessError, AccessButtonError)):
        return HTTPStatus.FORBIDDEN
    return HTTPStatus.BAD_REQUEST


_user_errors = web.json_errors(_status_of, JSON_HEADERS)


def _failure(pool, message_id, status):
    "The JSON of an unexpected failure: what to do, not what went wrong"
    try:
        message = _run(pool, lambda: gettext(message_id))
    except Exception:
        # Not even the database answers: the English text of the message
        message = ("The server could not answer this request. Try again "
            "in a moment.")
    return _json({'error': {
                'type': 'ServerError', 'message': message,
                'description': ''}}, status=status)


def json_errors(func):
    """Return user errors as JSON with their status and any other failure
    as a JSON 500 (503 when the database is busy) without its text, which
    goes to the log only"""
    func = _user_errors(func)

    @functools.wraps(func)
    def wrapper(request, pool, *args, **kwargs):
        try:
            return func(request, pool, *args, **kwargs)
        except HTTPException:
            raise
        except backend.DatabaseOperationalError:
            logger.info("webchat request %s failed", request.path,
                exc_info=True)
            if not faults.probe(pool.database_name, force=True):
                # Away: its messages cannot be read; the client retries
                return _json({'error': {'type': 'ServiceUnavailable',
                            'message': faults.message(
                                'msg_database_unavailable')}},
                    status=HTTPStatus.SERVICE_UNAVAILABLE)
            return _failure(pool, 'see_webchat.msg_server_busy',
                HTTPStatus.SERVICE_UNAVAILABLE)
        except Exception:
            logger.exception("webchat request %s failed", request.path)
            return _failure(pool, 'see_webchat.msg_server_error',
                HTTPStatus.INTERNAL_SERVER_ERROR)
    return wrapper


def _not_found():
    return NotFoundError(gettext('see_webchat.msg_not_found'))


def check_ids(*ids):
    """Refuse as not found an id beyond what the database stores (in a
    transaction, for the message's language)"""
    for value in ids:
        # Ids are INTEGER columns: a larger one names no record
        if value is not None and not 0 <= value <= MAX_INTEGER:
            raise _not_found()


def _number(value):
    "The integer of a JSON value or None"
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    try:
        return int(value)
    except ValueError:
        return None


def check_body_ids(data, *names):
    """Refuse as not found the ids of the JSON body data beyond what the
    database stores; the methods called validate the others"""
    check_ids(*(_number(data.get(n)) for n in names))


def _body(request):
    "The JSON object of the request; refuse what cannot be read"
    try:
        data = json.loads(request.get_data(as_text=True) or '{}')
    except RequestEntityTooLarge:
        raise MessageSizeError(gettext('see_webchat.msg_request_size'))
    except ValueError:
        raise UserError(gettext('see_webchat.msg_request_invalid'))
    if not isinstance(data, dict):
        raise UserError(gettext('see_webchat.msg_request_invalid'))
    return data


def _static(filename, csp=None):
    headers = {'X-Content-Type-Options': 'nosniff'}
    if csp:
        headers['Content-Security-Policy'] = csp
    return web.static_response(STATIC, filename, headers)


def address_limited(func):
    """Count the request against the limit of its network address, in a
    transaction of its own that is committed even when the request is then
    refused, and refuse it when the address is over the limit: the count
    is in PostgreSQL, so it holds whatever process serves the request"""
    @functools.wraps(func)
    def wrapper(request, pool, *args, **kwargs):
        def hit():
            Rate = pool.get('see.chat.address.rate')
            config = pool.get('see.chat.configuration').settings()
            if not Rate.hit(request.remote_addr,
                    config.address_request_rate):
                return gettext('see_webchat.msg_request_rate')
        # In autocommit (read committed): concurrent increments of the
        # same address wait for each other instead of failing to serialize
        refusal = _run(pool, hit, readonly=False, autocommit=True)
        if refusal:
            raise RateLimitError(refusal)
        return func(request, pool, *args, **kwargs)
    return wrapper


def _run(pool, func, user=0, readonly=True, context=None, autocommit=False):
    "Run func in a transaction of its own"
    with Transaction().start(pool.database_name, user, readonly=readonly,
            context=context or {}, autocommit=autocommit) as transaction:
        result = func()
        if not readonly and not autocommit:
            transaction.commit()
    return result


def _token(request):
    return request.headers.get('X-Chat-Token', '')


# Pages -------------------------------------------------------------------

@app.route('/<database_name>/see_webchat/', methods={'GET'})
@app.route('/<database_name>/see_webchat/chat', methods={'GET'})
def citizen_page(request, database_name):
    "The citizen's chat page (also shown inside the embedded frame)"
    return _static('widget.html', CSP_WIDGET)


@app.route('/<database_name>/see_webchat/embed.js', methods={'GET'})
def embed_script(request, database_name):
    "The one-line embedding: <script src=\".../embed.js\" async></script>"
    return _static('embed.js')


@app.route('/see_webchat/static/<path:filename>', methods={'GET'})
def static_file(request, filename):
    return _static(filename)


@app.route('/see_webchat/console', methods={'GET'})
def console_page(request):
    "The agent console; its script finds the database like the board"
    return _static('console.html', CSP_CONSOLE)


@app.route('/<database_name>/see_webchat/console', methods={'GET'})
def console_database_page(request, database_name):
    return _static('console.html', CSP_CONSOLE)


# Citizen API -------------------------------------------------------------

@app.route('/<database_name>/see_webchat/api/services', methods={'GET'})
@with_pool
@json_errors
@with_transaction()
def citizen_services(request, pool):
    "The catalogue and the limits the page needs"
    Service = pool.get('see.service')
    config = pool.get('see.chat.configuration').settings()
    return _json({
            'services': [{'id': s.id, 'name': s.rec_name}
                for s in Service.search([], order=[('name', 'ASC')])],
            'message_size': config.message_size,
            'attachment_size': config.attachment_size,
            'attachment_types': sorted(config.allowed_types),
            'poll_timeout': config.poll_timeout,
            })


@app.route('/<database_name>/see_webchat/api/sessions', methods={'POST'})
@with_pool
@json_errors
@address_limited
@with_transaction()
def citizen_open(request, pool):
    "Start a conversation: {name, phone, cpf, service, consent}"
    Session = pool.get('see.chat.session')
    data = _body(request)
    check_body_ids(data, 'service')
    session, token = Session.open(data, address=request.remote_addr)
    return _json({
            'id': session.id,
            'token': token,
            'expire_date': session.expire_date.isoformat(),
            }, status=HTTPStatus.CREATED)


def _citizen_snapshot(pool, session_id, token, after):
    Session = pool.get('see.chat.session')
    Message = pool.get('see.chat.message')
    check_ids(session_id, after)
    session = Session.from_token(session_id, token)
    messages = Message.search([
            ('session', '=', session.id),
            ('id', '>', after),
            ], order=[('id', 'ASC')])
    position = session.queue_position()
    data = {
        'id': session.id,
        'state': session.state,
        'position': position,
        'number': session.protocol.number if session.protocol else None,
        'agent': session.agent.rec_name if session.agent else None,
        'service': session.service.rec_name,
        'expire_date': session.expire_date.isoformat(),
        'survey_score': (session.protocol.survey_score
            if session.protocol else None),
        'messages': Message.as_json_list(messages),
        'seen_stale': session.citizen_seen_stale(),
        }
    data['version'] = f"{data['state']}|{position}|{data['number']}"
    return data


# The citizen's page waits there for the agent's messages
register_long_poll(r'/[^/]+/see_webchat/api/sessions/\d+')


@app.route('/<database_name>/see_webchat/api/sessions/<int:session_id>',
    methods={'GET'})
@with_pool
@json_errors
def citizen_poll(request, pool, session_id):
    """New messages after ?after=ID; with ?wait=S and &v=VERSION, wait up to
    S seconds for something new"""
    token = _token(request)
    after = request.args.get('after', 0, type=int)
    known = request.args.get('v', '')
    requested = request.args.get('wait', 0, type=int) or 0
    limits = {}

    def snapshot():
        def read():
            data = _citizen_snapshot(pool, session_id, token, after)
            if not limits:
                config = pool.get('see.chat.configuration').settings()
                limits['wait'] = max(0, min(requested, config.poll_timeout))
                limits['seen'] = data.pop('seen_stale')
            else:
                data.pop('seen_stale')
            return data
        return _run(pool, read)

    def changed(data):
        return (data['messages'] or data['version'] != known
            or data['state'] not in {'waiting', 'active', 'survey'})

    def refresh(fired, data):
        # Positions move only for the conversations still waiting
        if (fired <= {notify.POSITION_CHANNEL}
                and data['state'] != 'waiting'):
            return data
        return snapshot()
    channels = [notify.session_channel(session_id), notify.POSITION_CHANNEL]
    data = notify.long_poll(pool.database_name, channels, snapshot,
        lambda: limits['wait'], changed, refresh=refresh)
    if limits.get('seen'):
        # Autocommit: never in conflict with a change of the session
        _run(pool, lambda: pool.get('see.chat.session').citizen_seen_now(
                session_id), readonly=False, autocommit=True)
    return _json(data)


@app.route(
    '/<database_name>/see_webchat/api/sessions/<int:session_id>/messages',
    methods={'POST'})
@set_max_request_size(MAX_REQUEST_SIZE)
@with_pool
@json_errors
@address_limited
@with_transaction()
def citizen_send(request, pool, session_id):
    "A message of the citizen: {text, client_id, attachment: {name, type, data}}"
    Session = pool.get('see.chat.session')
    check_ids(session_id)
    session = Session.from_token(session_id, _token(request))
    data = _body(request)
    text = data.get('text')
    if text is not None and not isinstance(text, str):
        text = str(text)
    message = session.citizen_send(
        text, attachment=data.get('attachment'),
        client_id=data.get('client_id'))
    return _json({'message': message.as_json()}, status=HTTPStatus.CREATED)


@app.route(
    '/<database_name>/see_webchat/api/sessions/<int:session_id>/survey',
    methods={'POST'})
@with_pool
@json_errors
@address_limited
@with_transaction()
def citizen_survey(request, pool, session_id):
    "The answer to the quality question: {score}"
    Session = pool.get('see.chat.session')
    check_ids(session_id)
    session = Session.from_token(session_id, _token(request))
    data = _body(request)
    session.answer_survey(data.get('score'))
    return _json({'state': 'closed', 'score': int(data['score'])})


@app.route(
    '/<database_name>/see_webchat/api/sessions/<int:session_id>/leave',
    methods={'POST'})
@with_pool
@json_errors
@with_transaction()
def citizen_leave(request, pool, session_id):
    Session = pool.get('see.chat.session')
    check_ids(session_id)
    session = Session.from_token(session_id, _token(request))
    session.citizen_leave()
    return _json({'state': session.state})


def content_disposition(filename):
    """The Content-Disposition of a download of filename (RFC 6266): an
    ASCII fallback for old clients and the exact name in UTF-8 (RFC 8187)

    A header is Latin-1 on the wire: a name out of it given as is fails
    the response."""
    fallback = []
    for char in filename:
        if char.isascii():
            ascii_ = char
        else:
            # Accented letters keep their base letter: ç -> c, ã -> a
            ascii_ = unicodedata.normalize('NFKD', char).encode(
                'ascii', 'ignore').decode('ascii')
        if not ascii_ or not ascii_.isprintable() or ascii_ in '"\\/':
            ascii_ = '_'
        fallback.append(ascii_)
    fallback = ''.join(fallback).strip() or 'anexo'
    return 'attachment; filename="%s"; filename*=UTF-8\'\'%s' % (
        fallback, urllib.parse.quote(filename, safe=''))


def _attachment_response(message):
    if not message.attachment_name:
        raise _not_found()
    response = Response(message.attachment,
        mimetype=message.attachment_type or 'application/octet-stream')
    response.headers['Content-Disposition'] = content_disposition(
        message.attachment_name)
    response.headers['X-Content-Type-Options'] = 'nosniff'
    response.headers['Content-Security-Policy'] = "default-src 'none'"
    response.headers['Cache-Control'] = 'no-store'
    return response


@app.route('/<database_name>/see_webchat/api/sessions/<int:session_id>'
    '/attachments/<int:message_id>', methods={'GET'})
@with_pool
@json_errors
@with_transaction()
def citizen_attachment(request, pool, session_id, message_id):
    Session = pool.get('see.chat.session')
    Message = pool.get('see.chat.message')
    check_ids(session_id, message_id)
    session = Session.from_token(session_id, _token(request))
    messages = Message.search([
            ('session', '=', session.id), ('id', '=', message_id)])
    if not messages:
        raise _not_found()
    return _attachment_response(messages[0])


# Agent API ---------------------------------------------------------------

def _age(date, now):
    return int((now - date).total_seconds()) if date else None


def _agent_fixed(pool, user_id):
    "What the console shows of the agent, read once per request"
    Agent = pool.get('see.chat.agent')
    User = pool.get('res.user')
    from .agent import check_agent
    try:
        check_agent(user_id)
        is_agent = True
    except ChatAccessError:
        is_agent = False
    with without_check_access():
        user, = User.read([user_id], ['rec_name'])
    return {
        'user': user['rec_name'],
        'user_id': user_id,
        'is_agent': is_agent,
        'limit': Agent.limit_of(user_id),
        }


def _queue_snapshot(pool):
    "The conversations waiting for an agent, as the consoles show them"
    import datetime as dt
    Session = pool.get('see.chat.session')
    now = dt.datetime.now()
    waiting = [
        ('state', '=', 'waiting'),
        ('expire_date', '>', now),
        ]
    queue = Session.search(waiting, order=[('id', 'ASC')], limit=QUEUE_SHOWN)
    queue_size = len(queue)
    if queue_size == QUEUE_SHOWN:
        queue_size = Session.search(waiting, count=True)
    queue = Session.read([s.id for s in queue],
        ['requester_name', 'service.rec_name', 'start_date', 'channel'])
    return {
        'server_time': now.isoformat(),
        'queue_size': queue_size,
        'queue': [{
                'id': s['id'],
                'requester_name': s['requester_name'],
                'channel': s['channel'],
                'service': s['service.']['rec_name'],
                'start_date': s['start_date'].isoformat(),
                'wait': _age(s['start_date'], now),
                } for s in queue],
        }


def _agent_version(data):
    "What the console compares to know whether anything changed"
    return json.dumps([
            [s['id'] for s in data['queue']], data['queue_size'],
            [(s['id'], s['state'], s['survey_score'])
                for s in data['sessions']],
            ])


def _agent_snapshot(pool, user_id, after, loaded, full, fixed,
        heartbeat=True):
    """The console's data; it reads only the fields shown, as it is done
    again each time a conversation of the agent changes"""
    Session = pool.get('see.chat.session')
    Message = pool.get('see.chat.message')
    Presence = pool.get('see.chat.agent.presence')
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    if fixed['is_agent'] and heartbeat:
        Presence.heartbeat(user_id)
    mine = Session.search([
            ('agent', '=', user_id),
            ('state', 'in', ['active', 'survey']),
            ], order=[('accept_date', 'ASC')])
    mine_ids = [s.id for s in mine]
    mine = Session.read(mine_ids, ['requester_name', 'requester_phone_shown',
            'service', 'service.rec_name', 'state', 'protocol.number',
            'channel', 'protocol.survey_score'])
    new = [i for i in mine_ids if i not in loaded]
    # One cursor per conversation: ids are global, and a message of one
    # conversation may commit after a later id of another
    domain = ['OR', [('session', 'in', new)]]
    domain.extend([('session', '=', i), ('id', '>', after.get(i, 0))]
        for i in mine_ids if i in loaded)
    messages = Message.search(domain, order=[('id', 'ASC')]) \
        if mine_ids else []

    def protocol(row, name):
        return (row.get('protocol.') or {}).get(name)
    data = dict(fixed)
    data.update(_queue_snapshot(pool))
    data.update({
            'sessions': [{
                    'id': s['id'],
                    'number': protocol(s, 'number'),
                    'requester_name': s['requester_name'],
                    # As people read it; stored in E.164
                    'requester_phone': s['requester_phone_shown'],
                    'channel': s['channel'],
                    'service': s['service.']['rec_name'],
                    'service_id': s['service'],
                    'state': s['state'],
                    'survey_score': protocol(s, 'survey_score'),
                    } for s in mine],
            'messages': Message.as_json_list(messages, for_agent=True),
            })
    data['version'] = _agent_version(data)
    if full:
        Reply = pool.get('see.chat.reply')
        Classification = pool.get('see.classification')
        data['replies'] = [{
                'id': r.id, 'name': r.name, 'text': r.text,
                'service': r.service.id if r.service else None,
                } for r in Reply.search([])]
        data['classifications'] = [{'id': c.id, 'name': c.rec_name}
            for c in Classification.search([])]
        group = ModelData.get_id('see_atendimento', 'group_agent')
        with without_check_access():
            agents = User.search([
                    ('groups', '=', group),
                    ('id', '!=', user_id),
                    ])
            online = Presence.logged_in()
            data['agents'] = [{
                    'id': u.id, 'name': u.rec_name,
                    'online': u.id in online,
                    } for u in agents]
    return data


def _cursors(value):
    "Read ?after=SESSION:MESSAGE,... into {session: last message id}"
    cursors = {}
    for part in value.split(','):
        session, _, message = part.partition(':')
        if session.strip().isdecimal() and message.strip().isdecimal():
            cursors[int(session)] = int(message)
    return cursors


# The agent's console waits there for new conversations
register_long_poll(r'/[^/]+/see_webchat/agent/state')


@app.route('/<database_name>/see_webchat/agent/state', methods={'GET'})
@app.auth_required
@with_pool
@json_errors
def agent_state(request, pool):
    """The queue, the agent's conversations and their messages after the
    ?after=SESSION:MESSAGE,... cursors; with ?wait=S and &v=VERSION, wait
    up to S seconds for news"""
    user_id = request.user_id
    after = _cursors(request.args.get('after', ''))
    known = request.args.get('v', '')
    full = bool(request.args.get('full', 0, type=int))
    requested = request.args.get('wait', 0, type=int) or 0
    loaded = set()
    for value in request.args.get('loaded', '').split(','):
        if value.strip().isdecimal():
            loaded.add(int(value))
    context = {'_check_access': True}
    limits = {}

    def snapshot():
        first = not limits

        def read():
            with web.user_context(pool):
                if first:
                    check_ids(*after, *after.values(), *loaded)
                    config = pool.get('see.chat.configuration').settings()
                    limits['wait'] = max(
                        0, min(requested, config.poll_timeout))
                    limits['fixed'] = _agent_fixed(pool, user_id)
                return _agent_snapshot(pool, user_id, after, loaded, full,
                    limits['fixed'], heartbeat=first)
        # Only the first look writes (the agent's presence)
        return _run(pool, read, user=user_id, readonly=not first,
            context=context)

    def refresh(fired, data):
        if not fired <= {notify.QUEUE_CHANNEL}:
            return snapshot()
        # Only the queue moved: the agent's conversations did not, as
        # every change to them is published on the agent's channel

        def read():
            with web.user_context(pool):
                return _queue_snapshot(pool)
        data = dict(data, **_run(pool, read, user=user_id, context=context))
        data['version'] = _agent_version(data)
        return data

    def changed(data):
        return data['messages'] or data['version'] != known
    channels = [notify.agent_channel(user_id), notify.QUEUE_CHANNEL]
    data = notify.long_poll(pool.database_name, channels, snapshot,
        lambda: limits['wait'], changed, refresh=refresh)
    return _json(data)


def _agent_session(pool, data):
    "The conversation of the action, as the agent's rights let it be seen"
    Session = pool.get('see.chat.session')
    session_id = _number(data.get('session'))
    if session_id is None:
        raise ChatValidationError(gettext('see_webchat.msg_request_invalid'))
    check_ids(session_id)
    check_body_ids(data, 'article', 'classification', 'agent')
    sessions = Session.search([('id', '=', session_id)])
    if not sessions:
        raise _not_found()
    return sessions


def _agent_action(name):
    def decorator(func):
        @app.route(f'/<database_name>/see_webchat/agent/{name}',
            methods={'POST'})
        @app.auth_required
        @with_pool
        @json_errors
        @with_transaction(user='request', context=dict(_check_access=True))
        def wrapper(request, pool):
            with web.user_context(pool):
                data = _body(request)
                sessions = _agent_session(pool, data)
                result = func(pool, sessions, data)
                return _json(result or {'ok': True})
        wrapper.__name__ = f'agent_{name}'
        wrapper.__doc__ = func.__doc__
        return wrapper
    return decorator


@_agent_action('accept')
def agent_accept(pool, sessions, data):
    "Accept a waiting conversation: {session}"
    Session = pool.get('see.chat.session')
    Session.agent_accept(sessions)
    session, = Session.browse(sessions)
    return {'session': session.id, 'number': session.protocol.number}


@_agent_action('send')
def agent_send(pool, sessions, data):
    """Answer: {session, text, client_id} or a knowledge-base article:
    {session, article, client_id}; client_id (unique per conversation,
    made by the console) makes a retry return the first message"""
    Session = pool.get('see.chat.session')
    Message = pool.get('see.chat.message')
    text = data.get('text')
    ids = Session.agent_send(sessions, str(text) if text else None,
        article=data.get('article'), client_id=data.get('client_id'))
    return {'messages': Message.as_json_list(
            Message.browse(ids), for_agent=True)}


@_agent_action('transfer')
def agent_transfer(pool, sessions, data):
    "Transfer to another agent: {session, agent}"
    Session = pool.get('see.chat.session')
    Session.agent_transfer(sessions, data.get('agent'))


@_agent_action('escalate')
def agent_escalate(pool, sessions, data):
    "Escalate to SEE-PE: {session, question, classification}"
    Session = pool.get('see.chat.session')
    Session.agent_escalate(sessions, str(data.get('question') or ''),
        data.get('classification'))


@_agent_action('close')
def agent_close(pool, sessions, data):
    "Close with a classification: {session, classification, answer}"
    Session = pool.get('see.chat.session')
    answer = data.get('answer')
    Session.agent_close(sessions, data.get('classification'),
        answer=str(answer) if answer else None)


@app.route('/<database_name>/see_webchat/agent/kb', methods={'GET'})
@app.auth_required
@with_pool
@json_errors
@with_transaction(user='request', context=dict(_check_access=True))
def agent_kb(request, pool):
    "Published articles matching ?q (and ?service first)"
    Article = pool.get('see.kb.article')
    with web.user_context(pool):
        text = request.args.get('q', '')[:200]
        service = request.args.get('service', type=int)
        check_ids(service)
        articles = Article.find(text, service=service, limit=10)
        return _json({'articles': [{
                        'id': a.id, 'title': a.title, 'body': a.body,
                        } for a in articles]})


@app.route('/<database_name>/see_webchat/agent/attachments/<int:message_id>',
    methods={'GET'})
@app.auth_required
@with_pool
@json_errors
@with_transaction(user='request', context=dict(_check_access=True))
def agent_attachment(request, pool, message_id):
    Message = pool.get('see.chat.message')
    with web.user_context(pool):
        check_ids(message_id)
        messages = Message.search([('id', '=', message_id)])
        if not messages:
            raise _not_found()
        return _attachment_response(messages[0])

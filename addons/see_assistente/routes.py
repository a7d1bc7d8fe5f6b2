# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Web routes of the assistant

The kiosk of see_presencial (device token in ``X-Device-Token``, as its
other requests) and the webchat page before queueing (public, limited per
address) ask the same way; every answer is JSON, errors included:

- ``POST /<database>/see_assistente/kiosk/ask`` and
  ``POST /<database>/see_assistente/ask`` with ``{question}``: 200 with
  ``{question, token, answered, confidence, article: {id, title, url} or
  null, passages: [text], related: [{id, title, url}]}``. When ``answered``
  is false there is no article: the page offers the handoff.
- ``POST .../feedback`` with ``{question, token, helpful}`` (true/false)
  and ``POST .../handover`` with ``{question, token}``: the citizen says
  the answer did not help, or asks for a person (logged for the knowledge
  base team). 200 ``{ok: true}``.
- ``GET /<database>/see_assistente/artigos/<id>``: the page of a published
  article (the link of an answer).
- ``GET /<database>/see_assistente/status``: 200 ``{active: true,
  frequent: [title]}`` where the assistant is activated (the pages show it
  only then); ``frequent`` are the titles of the articles most often
  answered in the last 30 days, which the pages offer as questions.

400 with the message of what to fix, 403 for a kiosk without a valid
token, 404 where the assistant is not activated, 429 beyond
``[see_assistente] questions_per_minute`` (30) of a kiosk or an address.
"""
import functools
import html
import json
import logging
import os

from trytond import backend
from trytond import config
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.modules.see_atendimento import web
from trytond.modules.see_atendimento.device import device_required
from trytond.protocols.wrappers import HTTPStatus, Response, with_pool
from trytond.transaction import Transaction
from trytond.wsgi import app

logger = logging.getLogger(__name__)

STATIC = os.path.join(os.path.dirname(__file__), 'static')
JSON_HEADERS = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    }
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'")


class RateError(UserError):
    pass


class NotActivated(Exception):
    pass


def questions_per_minute():
    return config.getint('see_assistente', 'questions_per_minute',
        default=30)


def _json(data, status=HTTPStatus.OK):
    return web.json_response(data, status, JSON_HEADERS)


def _status_of(error):
    if isinstance(error, RateError):
        return HTTPStatus.TOO_MANY_REQUESTS
    return HTTPStatus.BAD_REQUEST


def _activated(pool):
    try:
        pool.get('see.assistente.question')
    except KeyError:
        raise NotActivated


def json_errors(func):
    """User errors as JSON with their status, 404 where the module is not
    activated, anything else a JSON 500 whose text goes to the log"""
    func = web.json_errors(_status_of, JSON_HEADERS)(func)

    @functools.wraps(func)
    def wrapper(request, pool, *args, **kwargs):
        try:
            _activated(pool)
            return func(request, pool, *args, **kwargs)
        except NotActivated:
            return _json({'error': {'type': 'NotActivated',
                        'message': "O assistente não está ativo.",
                        'description': ''}}, status=HTTPStatus.NOT_FOUND)
        except Exception:
            logger.exception("assistant request %s failed", request.path)
            return _json({'error': {'type': 'ServerError',
                        'message': "Não foi possível responder agora. "
                        "Tente de novo.", 'description': ''}},
                status=HTTPStatus.INTERNAL_SERVER_ERROR)
    return wrapper


def _body(request):
    try:
        data = json.loads(request.get_data(as_text=True) or '{}')
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise UserError(gettext('see_assistente.msg_request_invalid'))
    return data


def _article_url(database_name):
    def url(article_id):
        return f'/{database_name}/see_assistente/artigos/{article_id}'
    return url


def _limited(pool, key, func):
    """Count the request against the limit of key (committed even when it
    is refused), then run func in a transaction of its own"""
    with Transaction().start(pool.database_name, 0, readonly=False,
            autocommit=True):
        Rate = pool.get('see.device.rate')
        within = Rate.hit(key, questions_per_minute())
        message = gettext('see_assistente.msg_rate')
    if not within:
        raise RateError(message)
    retry = config.getint('database', 'retry')
    for count in range(retry + 1):
        with Transaction().start(pool.database_name, 0,
                readonly=False) as transaction:
            try:
                result = func()
            except backend.DatabaseOperationalError:
                if count < retry:
                    transaction.rollback()
                    continue
                raise
            transaction.commit()
            return result


def _ask(request, pool, channel, key):
    data = _body(request)

    def answer():
        Question = pool.get('see.assistente.question')
        return Question.ask(data.get('question'), channel,
            url=_article_url(pool.database_name))
    return _json(_limited(pool, key, answer))


def _feedback(request, pool, key):
    "The citizen's feedback on an answer, or the handoff"
    data = _body(request)
    handover = request.path.endswith('/handover')

    def feedback():
        Question = pool.get('see.assistente.question')
        question_id, token = data.get('question'), data.get('token')
        if handover:
            Question.hand_over(question_id, token)
        else:
            Question.feedback(question_id, token, bool(data.get('helpful')))
        return {'ok': True}
    return _json(_limited(pool, key, feedback))


# Pages -------------------------------------------------------------------

@app.route('/see_assistente/static/<path:filename>', methods={'GET'})
def static_file(request, filename):
    return web.static_response(STATIC, filename,
        {'X-Content-Type-Options': 'nosniff'})


@app.route('/<database_name>/see_assistente/artigos/<int:article_id>',
    methods={'GET'})
@with_pool
def article_page(request, pool, article_id):
    "The full article of an answer, for citizens"
    try:
        _activated(pool)
    except NotActivated:
        return Response("Não encontrado", status=HTTPStatus.NOT_FOUND)
    with Transaction().start(pool.database_name, 0):
        Article = pool.get('see.kb.article')
        articles = Article.search([
                ('id', '=', article_id),
                ('state', '=', 'published'),
                ], limit=1)
        if articles:
            article, = articles
            title = article.title
            paragraphs = [p.strip() for p in article.body.split('\n\n')
                if p.strip()]
            date = article.publication_date
    if not articles:
        return Response("Artigo não encontrado ou não mais publicado.",
            status=HTTPStatus.NOT_FOUND,
            content_type='text/plain; charset=utf-8')
    body = '\n'.join(f'<p>{html.escape(p)}</p>' for p in paragraphs)
    page = f'''<!DOCTYPE html>
<html lang="pt-BR">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/see_atendimento/govbr/core.min.css">
<link rel="stylesheet" href="/see_assistente/static/assistente.css">
<title>{html.escape(title)}</title>
</head>
<body>
<main id="main" class="container-lg article-page">
<h1>{html.escape(title)}</h1>
{body}
<p class="text-down-01">Artigo da base de conhecimento da SEE-PE,
publicado em {date.strftime('%d/%m/%Y') if date else ''}.</p>
</main>
</body>
</html>'''
    return Response(page, content_type='text/html; charset=utf-8',
        headers={'Content-Security-Policy': CSP,
            'X-Content-Type-Options': 'nosniff'})


@app.route('/<database_name>/see_assistente/status', methods={'GET'})
@with_pool
@json_errors
def status(request, pool):
    """200 with the frequent questions (titles of the articles most often
    answered) where the assistant is activated (the pages show it), else
    404"""
    with Transaction().start(pool.database_name, 0):
        Question = pool.get('see.assistente.question')
        frequent = Question.frequent()
    return _json({'active': True, 'frequent': frequent})


# Kiosk -------------------------------------------------------------------

@app.route('/<database_name>/see_assistente/kiosk/ask', methods={'POST'})
@with_pool
@json_errors
@device_required('kiosk')
def kiosk_ask(request, pool, device_id):
    "The citizen's question at the kiosk: {question}"
    return _ask(request, pool, 'kiosk', f'assistente:kiosk:{device_id}')


@app.route('/<database_name>/see_assistente/kiosk/feedback',
    methods={'POST'})
@app.route('/<database_name>/see_assistente/kiosk/handover',
    methods={'POST'})
@with_pool
@json_errors
@device_required('kiosk')
def kiosk_feedback(request, pool, device_id):
    return _feedback(request, pool, f'assistente:kiosk:{device_id}')


# Webchat -----------------------------------------------------------------

@app.route('/<database_name>/see_assistente/ask', methods={'POST'})
@with_pool
@json_errors
def webchat_ask(request, pool):
    "The citizen's question before the webchat's queue: {question}"
    return _ask(request, pool, 'webchat',
        f'assistente:address:{request.remote_addr}')


@app.route('/<database_name>/see_assistente/feedback', methods={'POST'})
@app.route('/<database_name>/see_assistente/handover', methods={'POST'})
@with_pool
@json_errors
def webchat_feedback(request, pool):
    return _feedback(request, pool,
        f'assistente:address:{request.remote_addr}')

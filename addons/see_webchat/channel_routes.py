# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Webhooks of the messaging apps (see whatsapp.py and telegram.py).

The provider posts as no Tryton user: a post is accepted only when it
proves it comes from the provider (the signature of the body with the app
secret for WhatsApp, the secret token for Telegram), compared in constant
time before anything is read. The events are handled in the post's
transaction: a failure rolls it back and the provider posts again, and a
retry of what was handled is recognised by its identifier.
"""
import hmac
import json
import logging

from trytond.protocols.wrappers import (
    HTTPStatus, Response, set_max_request_size, with_pool, with_transaction)
from trytond.wsgi import app

from .whatsapp import signature_valid

logger = logging.getLogger(__name__)

# A webhook's post carries text and references to media, never the media
MAX_WEBHOOK_SIZE = 1024 * 1024


def _plain(text, status):
    return Response(text, status=status, content_type='text/plain')


def _account(pool, model, account_id):
    Account = pool.get(model)
    accounts = Account.search([('id', '=', account_id)], limit=1) \
        if 0 < account_id < 2 ** 31 else []
    return accounts[0] if accounts else None


def _receive(account, body):
    try:
        data = json.loads(body)
    except ValueError:
        return _plain('invalid JSON', HTTPStatus.BAD_REQUEST)
    if not isinstance(data, dict):
        return _plain('invalid JSON', HTTPStatus.BAD_REQUEST)
    events = account.parse(data)
    new = account.receive(events, body.decode('utf-8', 'replace'))
    return Response(json.dumps({'received': new}), status=HTTPStatus.OK,
        content_type='application/json')


@app.route('/<database_name>/see_webchat/whatsapp/<int:account_id>',
    methods={'GET'})
@with_pool
@with_transaction()
def whatsapp_verify(request, pool, account_id):
    "Meta's verification handshake: echo hub.challenge to the right token"
    account = _account(pool, 'see.chat.channel.whatsapp', account_id)
    token = request.args.get('hub.verify_token', '')
    if (account and request.args.get('hub.mode') == 'subscribe'
            and hmac.compare_digest(
                token.encode('utf-8'), account.verify_token.encode('utf-8'))):
        return _plain(request.args.get('hub.challenge', ''), HTTPStatus.OK)
    return _plain('forbidden', HTTPStatus.FORBIDDEN)


@app.route('/<database_name>/see_webchat/whatsapp/<int:account_id>',
    methods={'POST'})
@set_max_request_size(MAX_WEBHOOK_SIZE)
@with_pool
@with_transaction()
def whatsapp_webhook(request, pool, account_id):
    "The events of the number, signed with the app secret"
    account = _account(pool, 'see.chat.channel.whatsapp', account_id)
    body = request.get_data()
    if not account or not signature_valid(account.app_secret, body,
            request.headers.get('X-Hub-Signature-256', '')):
        logger.info("WhatsApp webhook %s: refused signature", account_id)
        return _plain('forbidden', HTTPStatus.FORBIDDEN)
    return _receive(account, body)


@app.route('/<database_name>/see_webchat/telegram/<int:account_id>',
    methods={'POST'})
@set_max_request_size(MAX_WEBHOOK_SIZE)
@with_pool
@with_transaction()
def telegram_webhook(request, pool, account_id):
    "The updates of the bot, with the secret token given to setWebhook"
    account = _account(pool, 'see.chat.channel.telegram', account_id)
    token = request.headers.get('X-Telegram-Bot-Api-Secret-Token', '')
    if not account or not hmac.compare_digest(
            token.encode('utf-8'), account.secret_token.encode('utf-8')):
        logger.info("Telegram webhook %s: refused secret token", account_id)
        return _plain('forbidden', HTTPStatus.FORBIDDEN)
    return _receive(account, request.get_data())

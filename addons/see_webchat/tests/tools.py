# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The citizen's side of a conversation, for the scenarios

A citizen has no Tryton user and reaches the conversation through the
public routes, which call these methods of `see.chat.session` as root in a
transaction of their own; the helpers do the same, so that a scenario
driven by proteus can play the citizen."""
from proteus.config import get_config

from trytond.pool import Pool
from trytond.transaction import Transaction


def _citizen(func, config=None):
    config = config or get_config()
    with Transaction().start(config.database_name, 0,
            context={'language': config.context.get('language')}
            ) as transaction:
        result = func(Pool().get('see.chat.session'))
        transaction.commit()
    return result


def citizen_open(service, name, phone, cpf=None, address='192.0.2.1',
        config=None):
    "Start a conversation as a citizen; return its id and access token"
    def open_(Session):
        session, token = Session.open({
                'name': name, 'phone': phone, 'cpf': cpf,
                'service': service.id, 'consent': True}, address=address)
        return session.id, token
    return _citizen(open_, config)


def citizen_send(session_id, token, text, config=None):
    "Send a message as the citizen of the conversation"
    return _citizen(lambda Session: Session.from_token(
            session_id, token).citizen_send(text).id, config)


def citizen_answer(session_id, token, score, config=None):
    "Answer the quality question as the citizen of the conversation"
    return _citizen(lambda Session: Session.from_token(
            session_id, token).answer_survey(score), config)


def app_post(model, account_id, data, config=None, language='pt'):
    """What the webhook of an app does with a verified post: the events
    handled in a transaction of their own, the sendings it queued run after
    the commit (as trytond's routes do without a worker); return how many
    events were new

    The webhook has no user: its texts are in the database's language,
    Portuguese in production (language)."""
    import json

    from trytond.worker import run_task
    config = config or get_config()
    body = json.dumps(data)
    with Transaction().start(config.database_name, 0,
            context={'language': language}) as transaction:
        account = Pool().get(model)(account_id)
        new = account.receive(account.parse(json.loads(body)), body)
        transaction.commit()
    while transaction.tasks:
        run_task(config.database_name, transaction.tasks.pop())
    return new

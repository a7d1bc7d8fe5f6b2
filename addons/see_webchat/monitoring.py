# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The webchat's part of the health check (each messaging app account
reaches its provider) and of the metrics (conversations waiting and in
attendance)"""
from sql.aggregate import Count

from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

APP_ACCOUNTS = ['see.chat.channel.whatsapp', 'see.chat.channel.telegram']


class Health(metaclass=PoolMeta):
    __name__ = 'see.health'

    @classmethod
    def checks(cls):
        return super().checks() + [('chat_channels', cls.check_chat_channels)]

    @classmethod
    def check_chat_channels(cls):
        """The last call of each active app account to its provider
        succeeded; the messages not delivered yet (no secret, no citizen's
        data)"""
        pool = Pool()
        Message = pool.get('see.chat.message')
        accounts, problems = [], []
        for model in APP_ACCOUNTS:
            for account in pool.get(model).search(
                    [('active', '=', True)]):
                accounts.append({
                        'channel': account.channel,
                        'account': account.name,
                        'last_success': (account.last_success.isoformat()
                            if account.last_success else None),
                        'last_error_date': (
                            account.last_error_date.isoformat()
                            if account.last_error_date else None),
                        'ok': not account.failing,
                        })
                if account.failing:
                    problems.append(gettext(
                            'see_webchat.msg_health_channel_failing',
                            account=account.name))
        undelivered = {state: Message.search(
                [('delivery_state', '=', state)], count=True)
            for state in ['queued', 'held', 'failed']}
        return not problems, ' '.join(problems), {
            'accounts': accounts, 'undelivered': undelivered}


class Metrics(metaclass=PoolMeta):
    __name__ = 'see.metrics'

    @classmethod
    def samples(cls):
        Session = Pool().get('see.chat.session')
        samples = super().samples()
        session = Session.__table__()
        cursor = Transaction().connection.cursor()
        counts = dict.fromkeys(['waiting', 'active', 'survey'], 0)
        cursor.execute(*session.select(session.state, Count(session.id),
                where=session.state.in_(list(counts)),
                group_by=[session.state]))
        counts.update(cursor)
        for state, count in counts.items():
            samples.append(('see_chats', 'gauge',
                    "Webchat conversations waiting, in attendance or at "
                    "the quality question", {'state': state}, count))
        return samples

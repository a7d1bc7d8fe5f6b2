# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"The webchat's part of the metrics: conversations waiting and in attendance"
from sql.aggregate import Count

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


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

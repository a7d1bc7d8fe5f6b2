# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"The interactions of the conversations, for the measurement of see_sla"
from sql import Null

from trytond.pool import Pool, PoolMeta


class Measurement(metaclass=PoolMeta):
    __name__ = 'see.sla.measurement'

    def webchat_interactions_query(self, minimum):
        """The protocols whose conversation had at least minimum
        interactions between the requester and the attendance (Annex A
        5.2 for billing, 5.3 for IRAE), counted on the transcript"""
        pool = Pool()
        Session = pool.get('see.chat.session')
        session = Session.__table__()
        return session.select(session.protocol,
            where=(session.protocol != Null)
            & (session.interaction_count >= minimum))

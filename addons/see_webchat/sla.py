# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The webchat in see_sla's measurement (registered with see_sla only).

The rules of Annex A 5 are the contract's: see_sla decides them from the
settings of its IRAE indicator. The chat supplies the facts it records (the
interactions of each conversation, through `webchat_interactions_query`)
and shows on each conversation the status that the measurement counts for
its protocol, computed by see_sla's own conditions: the two never disagree
and an administrator changes a rule in one place."""
from sql import Null

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

# The fields of the conversation and the conditions of see_sla's counting
# that decide them
STATUS = {
    'concluded_in_time': 'in_time',
    'realized': 'attended',
    'attended': 'interactions',
    'billable': 'billable',
    'first_contact': 'finished',
    }


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


class Session(metaclass=PoolMeta):
    __name__ = 'see.chat.session'

    concluded_in_time = fields.Function(fields.Boolean(
            "Concluded in Time",
            help="Concluded within the deadline of Annex A 5.1."),
        'get_annex_a', searcher='search_annex_a')
    realized = fields.Function(fields.Boolean(
            "Realized", help="Annex A 5.1: concluded within the deadline "
            "or awaiting SEE-PE."), 'get_annex_a', searcher='search_annex_a')
    attended = fields.Function(fields.Boolean(
            "Attended", help="Annex A 5.2: the minimum interactions."),
        'get_annex_a', searcher='search_annex_a')
    billable = fields.Function(fields.Boolean(
            "Billable", help="Counted as billable by the measurement: "
            "realized and attended (Annex A 5.1 and 5.2), with a billable "
            "classification and the minimum registry."),
        'get_annex_a', searcher='search_annex_a')
    first_contact = fields.Function(fields.Boolean(
            "Finished on First Contact", help="Annex A 5.3 (IRAE)."),
        'get_annex_a', searcher='search_annex_a')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__['annex_a_counts'] = RPC()

    @classmethod
    def get_annex_a(cls, sessions, names):
        pool = Pool()
        Measurement = pool.get('see.sla.measurement')
        # The contract's settings decide for whoever reads the conversation
        with without_check_access():
            protocols = [s.protocol for s in sessions if s.protocol]
            status = Measurement.protocol_status(
                protocols, [STATUS[n] for n in names])
        return {n: {s.id: bool(s.protocol
                    and status[STATUS[n]].get(s.protocol.id))
                for s in sessions}
            for n in names}

    @classmethod
    def search_annex_a(cls, name, clause):
        _, operator, value = clause[:3]
        with without_check_access(), Transaction().set_context(
                active_test=False):
            sessions = cls.search([('protocol', '!=', None)])
        values = cls.get_annex_a(sessions, [name])[name]
        ids = [i for i, v in values.items() if v]
        positive = (operator == '=') == bool(value)
        return [('id', 'in' if positive else 'not in', ids)]

    @classmethod
    def annex_a_counts(cls, start=None, end=None):
        """Counts of Annex A 5 for the conversations started in [start, end)
        as the measurement counts their protocols

        sessions (accepted or not, abandoned excluded), concluded_in_time,
        awaiting_see, realized, not_realized, attended, billable and
        first_contact."""
        cls._check_figures_access()
        domain = [('state', '!=', 'abandoned')]
        if start:
            domain.append(('start_date', '>=', start))
        if end:
            domain.append(('start_date', '<', end))
        with without_check_access():
            sessions = cls.search(domain)
        status = cls.get_annex_a(sessions, list(STATUS))
        counts = {n: sum(status[n].values()) for n in STATUS}
        counts.update({
                'sessions': len(sessions),
                'awaiting_see': sum(1 for s in sessions if s.awaiting_see),
                'not_realized': len(sessions) - counts['realized'],
                })
        return counts

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The 2nd-level escalation as a kind of routing step

The escalation keeps its own board and workflow; each of its moves is
mirrored on the protocol's trail: a step to the managing unit when it is
requested, received when the unit starts the analysis, a new step to the
unit it is forwarded to, and the open step ended when it is answered (or
returned, for one still open)."""
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access


class Escalation(metaclass=PoolMeta):
    __name__ = 'see.protocol.escalation'

    @classmethod
    def _open_steps(cls, escalations):
        pool = Pool()
        Step = pool.get('see.routing.step')
        return Step.search([
                ('origin', 'in', [str(e) for e in escalations]),
                ('state', 'in', ['sent', 'received']),
                ])

    @classmethod
    def _send_steps(cls, escalations, unit_field, from_field=None):
        pool = Pool()
        Step = pool.get('see.routing.step')
        Step.create([{
                    'protocol': e.protocol.id,
                    'from_unit': (getattr(e, from_field).id if from_field
                        else None),
                    'to_unit': getattr(e, unit_field).id,
                    'kind': 'escalation',
                    'origin': str(e),
                    'note': e.question,
                    } for e in escalations])

    @classmethod
    def create(cls, vlist):
        escalations = super().create(vlist)
        with without_check_access():
            cls._send_steps(escalations, 'unit')
        return escalations

    @classmethod
    def analyse(cls, escalations):
        pool = Pool()
        Step = pool.get('see.routing.step')
        super().analyse(escalations)
        with without_check_access():
            Step.arrive([s for s in cls._open_steps(escalations)
                    if s.state == 'sent'])

    @classmethod
    def forward(cls, escalations):
        pool = Pool()
        Step = pool.get('see.routing.step')
        super().forward(escalations)
        with without_check_access():
            forwarded = [e for e in escalations if e.state == 'forwarded']
            Step.leave(cls._open_steps(forwarded))
            cls._send_steps(forwarded, 'forwarded_unit', from_field='unit')

    @classmethod
    def answer_(cls, escalations):
        pool = Pool()
        Step = pool.get('see.routing.step')
        super().answer_(escalations)
        with without_check_access():
            Step.leave(cls._open_steps(
                    [e for e in escalations if e.state == 'answered']))

    @classmethod
    def return_(cls, escalations):
        pool = Pool()
        Step = pool.get('see.routing.step')
        super().return_(escalations)
        with without_check_access():
            Step.leave(cls._open_steps(
                    [e for e in escalations if e.state == 'returned']))

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields, sequence_ordered)
from trytond.modules.see_atendimento.integrity import ServerReadonly


class Priority(
        ServerReadonly, DeactivableMixin, sequence_ordered(), ModelSQL,
        ModelView):
    __string__ = "Ticket Priority"
    __name__ = 'see.ticket.priority'

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    weight = fields.Integer(
        "Weight", required=True, domain=[('weight', '>=', 0)],
        help="Priority tickets of higher weight are called first; a "
        "weight of 0 queues as a normal ticket.")
    legal_basis = fields.Text(
        "Legal Basis", translate=True,
        help="The law or rule that grants the priority.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.code),
                'see_presencial.msg_priority_code_unique'),
            ]

    @classmethod
    def default_weight(cls):
        return 10

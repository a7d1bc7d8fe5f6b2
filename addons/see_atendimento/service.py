# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)

from .integrity import InputCheck


class Unit(InputCheck, DeactivableMixin, ModelSQL, ModelView):
    __string__ = "SEE-PE Unit"
    __name__ = 'see.unit'

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    email = fields.Char("E-mail")
    users = fields.Many2Many(
        'see.unit-res.user', 'unit', 'user', "Users",
        help="Second level users who answer this unit's escalations.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.code),
                'see_atendimento.msg_unit_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))


class UnitUser(ModelSQL):
    __string__ = "SEE-PE Unit - User"
    __name__ = 'see.unit-res.user'

    unit = fields.Many2One(
        'see.unit', "Unit", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')


class Service(InputCheck, DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Service"
    __name__ = 'see.service'

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    kind = fields.Selection([
            ('rotineiro', "Routine"),
            ('especial', "Special"),
            ], "Kind", required=True,
        help="Routine services are offered all year; special services are "
        "seasonal and have their own hours and service levels.")
    unit = fields.Many2One(
        'see.unit', "Responsible Unit", required=True, ondelete='RESTRICT',
        help="The SEE-PE unit that answers escalations of this service.")
    description = fields.Text("Description")
    articles = fields.Many2Many(
        'see.kb.article-see.service', 'service', 'article',
        "Knowledge Base Articles")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.code),
                'see_atendimento.msg_service_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def default_kind(cls):
        return 'rotineiro'


class Classification(InputCheck, DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Classification"
    __name__ = 'see.classification'

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    outcome = fields.Selection([
            ('resolved', "Resolved at First Contact"),
            ('forwarded', "Forwarded to SEE-PE"),
            ('invalid', "Invalid Contact"),
            ], "Outcome", required=True,
        help="What the classification means for the indicators: "
        "invalid contacts (wrong number, prank, silent or dropped call) "
        "are not attendances to resolve.")
    billable = fields.Boolean(
        "Billable",
        help="Whether an attendance with this classification is counted "
        "for billing when it holds the minimum registry.")
    sequence = fields.Integer("Sequence")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.code),
                'see_atendimento.msg_classification_code_unique'),
            ]
        cls._order.insert(0, ('sequence', 'ASC NULLS FIRST'))

    @classmethod
    def default_outcome(cls):
        return 'resolved'

    @classmethod
    def default_billable(cls):
        return True

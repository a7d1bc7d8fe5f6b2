# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""LGPD: the log of the reads of a ticket's requester data"""
from trytond.i18n import gettext
from trytond.modules.see_atendimento.access_log import PersonalDataAccess
from trytond.modules.see_atendimento.subject_request import selection_text
from trytond.pool import Pool, PoolMeta


class Ticket(PersonalDataAccess, metaclass=PoolMeta):
    __name__ = 'see.ticket'
    _personal_fields = {
        'requester_name', 'requester_cpf', 'requester_cpf_shown'}


class DataSubjectRequest(metaclass=PoolMeta):
    __name__ = 'see.data.subject.request'

    @classmethod
    def subject_sections(cls, identity):
        "The queue tickets issued with the person's CPF"
        Ticket = Pool().get('see.ticket')
        tickets = Ticket.search([('requester_cpf', '=', identity.cpf)],
            order=[('issue_date', 'ASC'), ('id', 'ASC')])
        columns = [
            ('number', gettext('see_atendimento.msg_subject_number')),
            ('issued', gettext('see_atendimento.msg_subject_start')),
            ('site', gettext('see_atendimento.msg_subject_site')),
            ('service', gettext('see_atendimento.msg_subject_service')),
            ('name', gettext('see_atendimento.msg_subject_name')),
            ('state', gettext('see_atendimento.msg_subject_state')),
            ]
        rows = [[t.number, t.issue_date, t.site.rec_name,
                t.service.rec_name if t.service else None, t.requester_name,
                selection_text(t, 'state')] for t in tickets]
        return super().subject_sections(identity) + [
            ('tickets', gettext('see_presencial.msg_subject_tickets'),
                columns, rows)]

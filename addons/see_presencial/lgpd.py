# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""LGPD: retention and anonymisation of the tickets' requester data, the
log of its reads, the tickets in a data-subject request"""
from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.see_atendimento.access_log import PersonalDataAccess
from trytond.modules.see_atendimento.anonymisation import (
    ANONYMOUS_NAME, archive_records, scrub_columns)
from trytond.modules.see_atendimento.retention import RetentionKind
from trytond.modules.see_atendimento.subject_request import selection_text
from trytond.pool import Pool, PoolMeta


class Ticket(PersonalDataAccess, metaclass=PoolMeta):
    __name__ = 'see.ticket'
    _personal_fields = {
        'requester_name', 'requester_cpf', 'requester_cpf_shown'}

    archived_date = fields.DateTime("Archived", readonly=True,
        help="When a retention rule archived the ended ticket: it is hidden "
        "from the lists but for their Archived tab, and counted by the "
        "reports as before.")

    @classmethod
    def apply_retention(cls, tickets, action):
        if action == 'archive':
            archive_records(cls, [t.id for t in tickets])
        else:
            cls.anonymise(tickets)

    @classmethod
    def anonymise(cls, tickets, action='anonymise'):
        "Remove the requester's name and CPF; the times stay for TME/TMA"
        scrub_columns(cls, [t.id for t in tickets],
            ['requester_name', 'requester_cpf'],
            {'requester_name': ANONYMOUS_NAME, 'requester_cpf': None})


# What identifies a ticket's requester and is not anonymised yet
IDENTIFIED = ['OR',
    ('requester_cpf', '!=', None),
    [('requester_name', '!=', None), ('requester_name', '!=', ANONYMOUS_NAME)],
    ]


def ticket_domain(action):
    "The tickets a rule's action is still to apply to"
    if action == 'archive':
        return [('archived_date', '=', None),
            ('state', 'in', ['finished', 'cancelled', 'no_show'])]
    return [IDENTIFIED]


class RetentionRule(metaclass=PoolMeta):
    __name__ = 'see.retention.rule'

    @classmethod
    def kinds(cls):
        Ticket = Pool().get('see.ticket')
        return super().kinds() + [
            RetentionKind('ticket', 'see_presencial.msg_retention_kind_ticket',
                'see.ticket', 'issue_date', ticket_domain,
                ('anonymise', 'archive'), Ticket.apply_retention, (),
                hold='protocol', hold_cpf='requester_cpf'),
            ]


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

    @classmethod
    def anonymise_subject(cls, identity):
        super().anonymise_subject(identity)
        Ticket = Pool().get('see.ticket')
        Ticket.anonymise(Ticket.search([('requester_cpf', '=', identity.cpf)]))

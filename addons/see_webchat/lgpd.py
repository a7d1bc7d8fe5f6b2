# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""LGPD: retention and anonymisation of the webchat's conversations, log
of the reads of the citizen's data

A conversation keeps its dates, state, flags and interaction count (what
Annex A counts); the citizen's name, phone, CPF and what identifies them in
the messages go. Chat records are kept for the whole contract (item
3.1.2.11): a rule may anonymise them only after the contract's end and its
transition export (see_sla checks that)."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.see_atendimento.access_log import PersonalDataAccess
from trytond.modules.see_atendimento.subject_request import selection_text
from trytond.modules.see_atendimento.anonymisation import (
    ANONYMOUS_NAME, ANONYMOUS_PHONE, ATTACHMENT_MARK, remove_stored_files,
    scrub_columns)
from trytond.modules.see_atendimento.retention import RetentionKind
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access


class Session(PersonalDataAccess, metaclass=PoolMeta):
    __name__ = 'see.chat.session'
    _personal_fields = {'requester_name', 'requester_phone', 'requester_cpf',
        'requester_phone_shown', 'requester_cpf_shown', 'messages'}

    anonymised_date = fields.DateTime("Anonymised", readonly=True,
        help="When the citizen's personal data was removed.")
    consent_version = fields.Char("Privacy Notice Version", readonly=True,
        help="The version of the LGPD notice the citizen accepted.")

    @classmethod
    def create(cls, vlist):
        "Record the version of the notice accepted with the consent"
        Configuration = Pool().get('see.configuration')
        version = Configuration(1).privacy_notice_version
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            if values.get('consent_date'):
                values.setdefault('consent_version', version)
        return super().create(vlist)

    @classmethod
    def anonymise(cls, sessions):
        "Remove the citizen's data from sessions and their messages"
        Message = Pool().get('see.chat.message')
        names = {s.id: [s.requester_name] for s in sessions}
        scrub_columns(cls, [s.id for s in sessions],
            ['requester_name', 'requester_phone', 'requester_cpf'],
            values={
                'requester_name': ANONYMOUS_NAME,
                'requester_phone': ANONYMOUS_PHONE,
                'requester_cpf': None,
                'anonymised_date': dt.datetime.now(),
                })
        with without_check_access():
            messages = Message.search([
                    ('session', 'in', [s.id for s in sessions]),
                    ])
        scrub_columns(Message, [m.id for m in messages], [],
            texts=('text',),
            names={m.id: names.get(m.session.id, ()) for m in messages})
        citizen = [m.id for m in messages if m.author_type == 'citizen']
        scrub_columns(Message, citizen, ['author_name'],
            {'author_name': ANONYMOUS_NAME})
        # The files go; the message stays, its name replaced by a mark
        remove_stored_files(Message, 'attachment',
            [m.id for m in messages if m.attachment_id],
            {'attachment_name': ATTACHMENT_MARK})

    @classmethod
    def anonymise_by_rule(cls, sessions, action):
        assert action == 'anonymise'
        cls.anonymise(sessions)


class RetentionRule(metaclass=PoolMeta):
    __name__ = 'see.retention.rule'

    @classmethod
    def kinds(cls):
        Session = Pool().get('see.chat.session')
        return super().kinds() + [
            RetentionKind('chat',
                'see_webchat.msg_retention_kind_chat', 'see.chat.session',
                'start_date', [('anonymised_date', '=', None)],
                ('anonymise',), Session.anonymise_by_rule, ('anonymise',),
                hold='protocol', hold_cpf='requester_cpf'),
            ]


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def anonymise_records(cls, parties):
        super().anonymise_records(parties)
        pool = Pool()
        Session = pool.get('see.chat.session')
        with without_check_access():
            sessions = Session.search([
                    ('protocol.requester', 'in', [p.id for p in parties]),
                    ])
        Session.anonymise(sessions)


class DataSubjectRequest(metaclass=PoolMeta):
    __name__ = 'see.data.subject.request'

    @classmethod
    def anonymise_subject(cls, identity):
        super().anonymise_subject(identity)
        Session = Pool().get('see.chat.session')
        Session.anonymise(Session.search([
                    ('requester_cpf', '=', identity.cpf),
                    ]))

    @classmethod
    def subject_sections(cls, identity):
        "The person's conversations, with their transcripts"
        Session = Pool().get('see.chat.session')
        sessions = Session.search(['OR',
                ('requester_cpf', '=', identity.cpf),
                ('protocol', 'in', [p.id for p in identity.protocols]),
                ], order=[('start_date', 'ASC'), ('id', 'ASC')])
        columns = [
            ('start', gettext('see_atendimento.msg_subject_start')),
            ('name', gettext('see_atendimento.msg_subject_name')),
            ('phone', gettext('see_atendimento.msg_subject_phone')),
            ('cpf', 'CPF'),
            ('protocol', gettext('see_atendimento.msg_subject_number')),
            ('state', gettext('see_atendimento.msg_subject_state')),
            ('transcript',
                gettext('see_atendimento.msg_subject_transcript')),
            ]
        rows = [[s.start_date, s.requester_name, s.requester_phone,
                s.requester_cpf, s.protocol.number if s.protocol else None,
                selection_text(s, 'state'),
                '\n'.join('%s %s: %s' % (m.date.strftime('%d/%m/%Y %H:%M'),
                        m.author_name or '', m.text or '')
                    for m in s.messages)]
            for s in sessions]
        return super().subject_sections(identity) + [
            ('chats', gettext('see_webchat.msg_subject_chats'), columns,
                rows)]

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Retention and anonymisation of the webchat's conversations (LGPD)

A conversation keeps its dates, state, flags and interaction count (what
Annex A counts); the citizen's name, phone, CPF and what identifies them in
the messages go. Chat records are kept for the whole contract (item
3.1.2.11): a rule may anonymise them only after the contract's end and its
transition export (see_sla checks that)."""
import datetime as dt

from trytond.model import fields
from trytond.modules.see_atendimento.anonymisation import (
    ANONYMOUS_NAME, ANONYMOUS_PHONE, scrub_columns)
from trytond.modules.see_atendimento.retention import RetentionKind
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access


class Session(metaclass=PoolMeta):
    __name__ = 'see.chat.session'

    anonymised_date = fields.DateTime("Anonymised", readonly=True,
        help="When the citizen's personal data was removed.")

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
                ('anonymise',), Session.anonymise_by_rule, ('anonymise',)),
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

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""LGPD: retention of the questions asked to the assistant

A citizen may type their CPF, phone or e-mail in a question: after the
rule's age they are removed from the question, which stays for the
evaluation of the assistant and the knowledge base's gaps."""
import datetime as dt

from trytond.model import fields
from trytond.modules.see_atendimento.anonymisation import scrub_columns
from trytond.modules.see_atendimento.retention import RetentionKind
from trytond.pool import Pool, PoolMeta


class Question(metaclass=PoolMeta):
    __name__ = 'see.assistente.question'

    anonymised_date = fields.DateTime("Anonymised", readonly=True,
        help="When the personal data found in the question was removed.")

    @classmethod
    def anonymise(cls, questions, action='anonymise'):
        scrub_columns(cls, [q.id for q in questions], [],
            values={'anonymised_date': dt.datetime.now()},
            texts=('question', 'normalized'))


class RetentionRule(metaclass=PoolMeta):
    __name__ = 'see.retention.rule'

    @classmethod
    def kinds(cls):
        Question = Pool().get('see.assistente.question')
        return super().kinds() + [
            RetentionKind('assistant_question',
                'see_assistente.msg_retention_kind_question',
                'see.assistente.question', 'date',
                [('anonymised_date', '=', None)], ('anonymise',),
                Question.anonymise, ()),
            ]

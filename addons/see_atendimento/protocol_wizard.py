# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"The wizards of the protocol: escalation to SEE-PE and correction"
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.transaction import check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard


class EscalateStart(ModelView):
    __string__ = "Escalate Protocol"
    __name__ = 'see.protocol.escalate.start'

    question = fields.Text(
        "Question", required=True,
        help="The question for SEE-PE, written clearly so that the "
        "requester gets the right answer.")
    request_kb_update = fields.Boolean("Request Knowledge Base Update")


class CorrectClassificationStart(ModelView):
    __string__ = "Correct Classification"
    __name__ = 'see.protocol.correct_classification.start'

    classification = fields.Many2One(
        'see.classification', "Classification", required=True,
        help="The classification the attendance should have had.")
    reason = fields.Text(
        "Reason", required=True,
        help="Why the classification is corrected: it is kept in the "
        "protocol's history for the auditors.")


class CorrectClassification(Wizard):
    __string__ = "Correct Classification"
    __name__ = 'see.protocol.correct_classification'

    start = StateView('see.protocol.correct_classification.start',
        'see_atendimento.protocol_correct_classification_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Correct", 'correct', 'tryton-ok', default=True),
            ])
    correct = StateTransition()

    def default_start(self, fields):
        classification = self.record.classification
        return {
            'classification': classification.id if classification else None,
            }

    def transition_correct(self):
        pool = Pool()
        Protocol = pool.get('see.protocol')
        # Pressed again on submit, as the user (a wizard's steps run
        # without access checks): the button's rights (its group, the record
        # rules, the states it shows in) are the correction's
        with check_access():
            Protocol.correct_classification(self.records)
        Protocol.reclassify(
            self.records, self.start.classification, self.start.reason)
        return 'end'


class Escalate(Wizard):
    __string__ = "Escalate Protocol"
    __name__ = 'see.protocol.escalate'

    start = StateView('see.protocol.escalate.start',
        'see_atendimento.protocol_escalate_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Escalate", 'escalate', 'tryton-ok', default=True),
            ])
    escalate = StateTransition()

    def default_start(self, fields):
        return {'question': self.record.description}

    def transition_escalate(self):
        pool = Pool()
        Protocol = pool.get('see.protocol')
        Protocol.escalate_to_see([self.record], self.start.question,
            self.start.request_kb_update)
        return 'end'

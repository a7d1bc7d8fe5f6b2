# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields, sequence_ordered)
from trytond.modules.see_atendimento.integrity import ServerReadonly

from .content import FORMATS
from .exceptions import ChecklistValidationError


class RejectionReason(
        ServerReadonly, DeactivableMixin, ModelSQL, ModelView):
    "The catalogue of reasons a reviewer gives when rejecting a document"
    __string__ = "Document Rejection Reason"
    __name__ = 'see.document.rejection.reason'
    _history = True

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    instruction = fields.Text(
        "Instruction to the Citizen", translate=True,
        help="What the citizen must do to fix the document, "
        "sent with the rejection.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.code),
                'see_documentos.msg_reason_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))


class Checklist(ServerReadonly, DeactivableMixin, ModelSQL, ModelView):
    "The documents a service requires from the citizen"
    __string__ = "Document Checklist"
    __name__ = 'see.document.checklist'
    _history = True

    name = fields.Char("Name", required=True, translate=True)
    service = fields.Many2One(
        'see.service', "Service", required=True, ondelete='RESTRICT')
    items = fields.One2Many(
        'see.document.checklist.item', 'checklist', "Documents")
    calendar = fields.Many2One(
        'see.sla.calendar', "Review Calendar", ondelete='RESTRICT',
        help="The service hours in which the time to first review is "
        "counted; leave empty to count every hour.")
    review_target = fields.TimeDelta(
        "Review Target", required=True,
        help="The longest time, in the calendar's service hours, from "
        "the citizen's submission to its first review.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('service_unique', Unique(t, t.service),
                'see_documentos.msg_checklist_service_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def default_review_target(cls):
        return dt.timedelta(hours=8)

    @classmethod
    def validate_fields(cls, checklists, field_names):
        super().validate_fields(checklists, field_names)
        if field_names and 'review_target' not in field_names:
            return
        for checklist in checklists:
            if checklist.review_target <= dt.timedelta(0):
                raise ChecklistValidationError(gettext(
                        'see_documentos.msg_checklist_target',
                        checklist=checklist.rec_name))

    @property
    def required_items(self):
        return [i for i in self.items if i.required]


class ChecklistItem(
        ServerReadonly, sequence_ordered(), ModelSQL, ModelView):
    "A document of a checklist with the rules its file must follow"
    __string__ = "Document Checklist Item"
    __name__ = 'see.document.checklist.item'
    _history = True

    checklist = fields.Many2One(
        'see.document.checklist', "Checklist", required=True,
        ondelete='CASCADE')
    name = fields.Char(
        "Document", required=True, translate=True,
        help="The kind of document, as the citizen knows it.")
    description = fields.Text(
        "Instructions", translate=True,
        help="Shown to the citizen next to the upload.")
    required = fields.Boolean(
        "Required",
        help="The submission is approved only when every required "
        "document is approved; optional ones are reviewed if sent.")
    formats = fields.MultiSelection(
        FORMATS, "Accepted Formats", required=True,
        help="Checked on the file's content, not on its name.")
    max_size = fields.Integer(
        "Maximum Size (KB)", required=True)
    max_pages = fields.Integer(
        "Maximum Pages", help="Leave empty for no limit.")
    validity_required = fields.Boolean(
        "Validity Date Required",
        help="The reviewer must record until when the document is valid "
        "to approve it.")
    issuer = fields.Char(
        "Issued By",
        help="Who may issue the document, for the reviewer and the "
        "citizen, e.g. \"Secretaria de Defesa Social\".")

    @classmethod
    def default_required(cls):
        return True

    @classmethod
    def default_formats(cls):
        return ['pdf', 'jpeg', 'png']

    @classmethod
    def default_max_size(cls):
        return 5 * 1024

    @classmethod
    def validate_fields(cls, items, field_names):
        super().validate_fields(items, field_names)
        for item in items:
            if item.max_size <= 0 or (
                    item.max_pages is not None and item.max_pages <= 0):
                raise ChecklistValidationError(gettext(
                        'see_documentos.msg_item_limits',
                        item=item.rec_name))

    def get_rec_name(self, name):
        return self.name

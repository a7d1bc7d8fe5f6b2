# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class ChecklistValidationError(ValidationError):
    pass


class DocumentContentError(UserError):
    "The file sent is not one the checklist item accepts"


class DocumentReviewError(UserError):
    pass


class SubmissionError(UserError):
    pass


class RoutingError(UserError):
    pass

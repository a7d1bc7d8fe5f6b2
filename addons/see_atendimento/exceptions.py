# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class InvalidPhone(ValidationError):
    pass


class InvalidCPF(ValidationError):
    pass


class InvalidScore(ValidationError):
    pass


class ProtocolError(UserError):
    pass


class ClosedProtocolError(AccessError):
    pass


class EscalationError(UserError):
    pass


class ReadonlyFieldError(AccessError):
    pass


class AuditError(UserError):
    pass


class InvalidInputError(ValidationError):
    pass


class WrongPasswordError(UserError):
    pass


class CalendarError(ValidationError):
    pass


class DeviceTokenError(UserError):
    pass


class DeviceRateError(UserError):
    pass


class RetentionError(UserError):
    pass


class TransitionExportError(UserError):
    pass


class LegalHoldError(UserError):
    pass


class ConsentError(UserError):
    pass

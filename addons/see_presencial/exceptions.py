# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class SiteValidationError(ValidationError):
    pass


class TicketValidationError(ValidationError):
    pass


class TicketError(UserError):
    pass


class DeskAccessError(AccessError):
    pass


class SiteClosedError(UserError):
    pass


class DevicePageError(UserError):
    pass

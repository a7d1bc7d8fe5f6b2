# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class BookingTypeValidationError(ValidationError):
    pass


class AppointmentValidationError(ValidationError):
    pass


class AppointmentError(UserError):
    pass


class SlotTakenError(AppointmentError):
    pass


class BookingPageError(UserError):
    pass


class RateLimitError(BookingPageError):
    pass


class NotFoundError(BookingPageError):
    pass

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class ChatError(UserError):
    "A refusal of the webchat that the user can fix"


class ChatValidationError(ValidationError):
    pass


class ChatAccessError(AccessError):
    pass


class TokenError(ChatError):
    "The conversation token is unknown, of another session or expired"


class RateLimitError(ChatError):
    "Too many requests"


class MessageSizeError(ChatError):
    pass


class AttachmentError(ChatError):
    pass


class NotFoundError(ChatError):
    "The conversation or message asked for does not exist"

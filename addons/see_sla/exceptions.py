# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class ServiceOrderError(ValidationError):
    pass


class ServiceOrderLockedError(AccessError):
    pass


class ContractError(UserError):
    pass


class ContractLockedError(AccessError):
    pass


class IncidentError(ValidationError):
    pass


class IncidentWorkflowError(UserError):
    pass


class IncidentLockedError(AccessError):
    pass


class MeasurementError(UserError):
    pass


class MeasurementLockedError(AccessError):
    pass

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
# The booking pages' web routes register when imported
from . import pages
__all__ = ['pages']

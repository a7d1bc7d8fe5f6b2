# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from . import console  # noqa: F401 (registers the desk console's routes)
from . import pages  # noqa: F401 (registers the device pages' web routes)
from . import unit  # noqa: F401 (registers the unit dashboard's routes)

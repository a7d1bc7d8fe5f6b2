# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from . import pages  # noqa: F401 (registers the citizen's page routes)
from . import review  # noqa: F401 (registers the reviewer's page routes)

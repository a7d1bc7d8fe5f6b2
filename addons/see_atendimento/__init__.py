# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.

from . import bus  # noqa: F401 (each user gets only their own notifications)
from . import errors  # noqa: F401 (no Python exception text in an answer)
from . import monitoring  # noqa: F401 (the health and metrics probes)
from . import routes  # noqa: F401 (registers the board's web routes)
from . import web_client  # noqa: F401 (sao's custom files, locale and icon)

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import sys

# The live panel's web routes are registered only in a process that serves
# HTTP (trytond.wsgi is loaded before the modules there).  Importing the
# web stack here would resolve the database backend before the connector
# (python -m trytond.modules.see_telefonia.connector) has read its
# configuration file.
if 'trytond.wsgi' in sys.modules:
    from . import routes  # noqa: F401

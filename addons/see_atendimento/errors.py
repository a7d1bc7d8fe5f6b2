# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""No answer of the server shows Python's exception text

trytond answers an unexpected exception of a JSON-RPC or XML-RPC call with
the exception's own text (a TypeError's signature, a database error's SQL
detail). The error handler below logs it with its traceback and answers
instead with a user error in the database's language, which the clients
show as any other. Tryton's own errors (user errors, access errors,
concurrency, login) and HTTP errors are answered as before.
"""
import logging

from werkzeug.exceptions import HTTPException

from trytond.exceptions import TrytonException, UserError
from trytond.i18n import gettext
from trytond.transaction import Transaction
from trytond.wsgi import app

logger = logging.getLogger(__name__)

# When not even the database can say it
FALLBACK = "The server could not complete the request."


def internal_error_message(database_name):
    "The message of an unexpected error, translated by the database"
    if database_name:
        try:
            with Transaction().start(database_name, 0, readonly=True):
                return gettext('see_atendimento.msg_web_internal_error')
        except Exception:
            logger.debug("no message from %s", database_name, exc_info=True)
    return FALLBACK


@app.error_handler
def hide_internal_error(app, request, exception):
    if isinstance(exception, (TrytonException, HTTPException)):
        return None
    database_name = (request.view_args or {}).get('database_name')
    logger.error("unexpected error on %s", request.path,
        exc_info=(type(exception), exception, exception.__traceback__))
    return app.make_response(
        request, UserError(internal_error_message(database_name)))

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Helpers of the web pages served by the SEE modules.

The escalation board (here), the webchat pages (see_webchat) and the live
telephony panel (see_telefonia) answer JSON and serve their static files
the same way; each module passes the headers its pages need (the webchat
has a strict Content-Security-Policy, the JSON of live data is not
stored).  The pages' shared script is ``static/web.js``, served by this
module's static route at ``/see_atendimento/static/web.js``.
"""
import functools
import json
import mimetypes
import os

from trytond.config import config
from trytond.exceptions import UserError, UserWarning
from trytond.protocols.wrappers import HTTPStatus, Response, abort
from trytond.tools import safe_join
from trytond.transaction import Transaction

__all__ = ['json_response', 'error_response', 'json_errors',
    'static_response', 'user_context', 'govbr_root']

REPOSITORY = os.path.normpath(
    os.path.join(os.path.dirname(__file__), '..', '..'))


def json_response(data, status=HTTPStatus.OK, headers=None):
    response = Response(
        json.dumps(data, default=str), status=status,
        content_type='application/json')
    response.headers.update(headers or {})
    return response


def error_response(error, status=HTTPStatus.BAD_REQUEST, headers=None):
    "The JSON of a user error, which the pages show to the user"
    return json_response({'error': {
                'type': error.__class__.__name__,
                'message': error.message,
                'description': getattr(error, 'description', ''),
                }}, status=status, headers=headers)


def json_errors(status_of=None, headers=None):
    """A decorator of routes that returns user errors as JSON, with the
    status given by status_of(error) (400 by default); the transaction
    is already rolled back"""
    def decorator(func):
        @functools.wraps(func)
        def wrapper(request, pool, *args, **kwargs):
            try:
                return func(request, pool, *args, **kwargs)
            except (UserError, UserWarning) as e:
                status = status_of(e) if status_of else None
                return error_response(
                    e, status or HTTPStatus.BAD_REQUEST, headers)
        return wrapper
    return decorator


def static_response(directory, filename, headers=None):
    "The file of directory; pages revalidate it so an upgrade shows at once"
    path = safe_join(directory, filename)
    if not path or not os.path.isfile(path):
        abort(HTTPStatus.NOT_FOUND)
    with open(path, 'rb') as file:
        data = file.read()
    mimetype = mimetypes.guess_type(filename)[0] or 'application/octet-stream'
    response = Response(data, mimetype=mimetype)
    response.headers['Cache-Control'] = 'no-cache'
    response.headers.update(headers or {})
    return response


def user_context(pool):
    "Set the user's language on the transaction context, for the messages"
    # Not User.get_preferences: it reads the groups too, and the long polls
    # of the pages call this each time they look at the database
    User = pool.get('res.user')
    Configuration = pool.get('ir.configuration')
    user, = User.read([Transaction().user], ['language.code'])
    language = (user['language.'] or {}).get('code')
    return Transaction().set_context(
        language=language or Configuration.get_language())


def govbr_root():
    """The folder of the government's design system (npm @govbr-ds/core),
    which the citizens' pages use: ``[see_atendimento] govbr_root``, else
    beside the web client (``[web] root``, node_modules/tryton-sao), else the
    repository's node_modules"""
    root = config.get('see_atendimento', 'govbr_root', default=None)
    if root:
        return root
    candidates = []
    web_root = config.get('web', 'root', default=None)
    if web_root:
        candidates.append(os.path.join(
                os.path.dirname(os.path.abspath(web_root)),
                '@govbr-ds', 'core', 'dist'))
    candidates.append(os.path.join(
            REPOSITORY, 'node_modules', '@govbr-ds', 'core', 'dist'))
    for candidate in candidates:
        if os.path.isdir(candidate):
            return candidate
    return candidates[-1]

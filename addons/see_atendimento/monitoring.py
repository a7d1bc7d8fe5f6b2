# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Routes of the operators' probes: ``/<database>/see/health`` (health.py)
and ``/<database>/see/metrics`` (metrics.py), both behind the token of
``[see_atendimento] health_token``; without it set they answer 403."""
import datetime as dt
import logging

from trytond.protocols.wrappers import HTTPStatus, Response
from trytond.wsgi import app

from .health import database_pool, health_report, token_matches
from .metrics import exposition
from .web import json_response

logger = logging.getLogger(__name__)

HEADERS = {'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff'}


def _forbidden():
    # A probe is configured once by an operator: the English text of the
    # configuration option is what they search for
    return json_response({'error': {'type': 'Forbidden',
                'message': "Give the token of [see_atendimento] health_token in the "
                "Authorization header (Bearer)."}},
        HTTPStatus.FORBIDDEN, HEADERS)


@app.route('/<database_name>/see/health', methods={'GET'})
def health(request, database_name):
    "Every check; 200 when all pass, 503 otherwise"
    if not token_matches(request):
        return _forbidden()
    checks = health_report(database_name)
    ok = all(c['ok'] for c in checks)
    return json_response({
            'status': 'ok' if ok else 'fail',
            'checks': checks,
            'time': dt.datetime.now().isoformat(timespec='seconds'),
            }, HTTPStatus.OK if ok else HTTPStatus.SERVICE_UNAVAILABLE,
        HEADERS)


@app.route('/<database_name>/see/metrics', methods={'GET'})
def metrics(request, database_name):
    "Prometheus' text format"
    if not token_matches(request):
        return _forbidden()
    try:
        body, content_type = exposition(database_pool(database_name))
    except Exception:
        logger.warning("metrics of %s failed", database_name, exc_info=True)
        return json_response({'error': {'type': 'ServiceUnavailable',
                    'message': "database unreachable"}},
            HTTPStatus.SERVICE_UNAVAILABLE, HEADERS)
    return Response(body, status=HTTPStatus.OK, headers=dict(
            HEADERS, **{'Content-Type': content_type}))

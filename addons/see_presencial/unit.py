# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The unit supervisor's live dashboard page.

The web client's lists ``see.site.dashboard`` (per site and service) and
``see.site.dashboard.desk`` (per desk) do not refresh by themselves; this
page shows the same rows and asks for them every few seconds, as the
telephony panel does.  The page and its files are public; its data route
requires a Tryton session (the web client's cookie or the page's own login
form) and runs as that user with ``_check_access``: the rows are read
through the models, so their access rights and record rules apply (a site
supervisor sees their sites only) and the figures are exactly the
dashboard's; nothing is computed here.

Routes: the page ``/see_presencial/unit`` and
``/<database>/see_presencial/unit``; the data
``GET /<database>/see_presencial/unit/data``.
"""
import datetime as dt

from trytond.model.exceptions import AccessError
from trytond.modules.see_atendimento.routes import board_errors
from trytond.modules.see_atendimento.web import (
    error_response, json_response, static_response, user_context)
from trytond.protocols.wrappers import HTTPStatus, with_pool, with_transaction
from trytond.transaction import Transaction
from trytond.wsgi import app

from .console import JSON_HEADERS, PAGE_HEADERS, REFRESH_SECONDS, STATIC

SERVICE_FIELDS = ['waiting', 'longest_wait', 'called', 'attending',
    'suspended', 'finished', 'cancelled', 'no_show', 'total', 'tme',
    'tme_tickets', 'tma', 'tma_tickets']
DESK_FIELDS = ['status', 'agents', 'finished', 'tma', 'tma_tickets']


@app.route('/see_presencial/unit', methods={'GET'})
def unit_page(request):
    "The dashboard; its script finds the database from the web client's"
    return static_response(STATIC, 'unit.html', PAGE_HEADERS)


@app.route('/<database_name>/see_presencial/unit', methods={'GET'})
def unit_database_page(request, database_name):
    "The dashboard of the database"
    return static_response(STATIC, 'unit.html', PAGE_HEADERS)


def _seconds(value):
    return None if value is None else int(round(value))


def service_rows(pool):
    "The rows of see.site.dashboard the user may read"
    Dashboard = pool.get('see.site.dashboard')
    rows = []
    for line in Dashboard.search([]):
        row = {'id': line.id, 'site': line.site.id,
            'service': line.service.rec_name}
        for name in SERVICE_FIELDS:
            value = getattr(line, name)
            if name in {'longest_wait', 'tme', 'tma'}:
                value = _seconds(value)
            row[name] = value
        rows.append(row)
    return rows


def desk_rows(pool):
    "The rows of see.site.dashboard.desk the user may read"
    Dashboard = pool.get('see.site.dashboard.desk')
    labels = dict(Dashboard.fields_get(['status'])['status']['selection'])
    rows = []
    for line in Dashboard.search([]):
        row = {'id': line.id, 'site': line.site.id,
            'desk': line.desk.rec_name,
            'ticket': line.ticket.number if line.ticket else None}
        for name in DESK_FIELDS:
            row[name] = getattr(line, name)
        row['tma'] = _seconds(row['tma'])
        row['status_name'] = labels.get(row['status'], row['status'])
        rows.append(row)
    return rows


@app.route('/<database_name>/see_presencial/unit/data', methods={'GET'})
@app.auth_required
@with_pool
@board_errors
@with_transaction(user='request', context=dict(_check_access=True))
def unit_data(request, pool):
    """Each site the user may read with its services and desks now, as
    the dashboard's models give them"""
    User = pool.get('res.user')
    with user_context(pool):
        try:
            services = service_rows(pool)
            desks = desk_rows(pool)
        except AccessError as error:
            return error_response(error, HTTPStatus.FORBIDDEN, JSON_HEADERS)
        sites = {}
        for row in services + desks:
            if row['site'] not in sites:
                Site = pool.get('see.site')
                sites[row['site']] = {
                    'id': row['site'],
                    'name': Site(row['site']).rec_name,
                    'services': [],
                    'desks': [],
                    }
        for row in services:
            sites[row.pop('site')]['services'].append(row)
        for row in desks:
            sites[row.pop('site')]['desks'].append(row)
        user = User(Transaction().user)
        database = pool.database_name
        return json_response({
                'user': user.rec_name,
                'time': dt.datetime.now().isoformat(timespec='seconds'),
                'refresh': REFRESH_SECONDS,
                # The dashboards in the web client (sao's URL of a model)
                'links': {
                    'services': '/#%s/model/see.site.dashboard' % database,
                    'desks': '/#%s/model/see.site.dashboard.desk' % database,
                    },
                'sites': sorted(sites.values(), key=lambda s: s['name']),
                }, HTTPStatus.OK, JSON_HEADERS)

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Supervisor's live panel of the queues and agents (Annex D 2.10).

The page and its files are public; its data route requires a Tryton
session (the web client's session cookie, or the page's own login form
that calls ``/<database>/session/login`` as the web client does) and runs
as that user with ``_check_access``: only users allowed to read the queue
panel and the agents get data.  The page asks for data every few seconds,
so it updates by itself.
"""
import datetime as dt
import os

from trytond.model.exceptions import AccessError
from trytond.modules.see_atendimento.web import (
    error_response, json_response, static_response, user_context)
from trytond.protocols.wrappers import HTTPStatus, with_pool, with_transaction
from trytond.transaction import Transaction
from trytond.wsgi import app

STATIC = os.path.join(os.path.dirname(__file__), 'static')
# Seconds between two refreshes of the page
REFRESH_SECONDS = 3
# Live figures: never from a cache
JSON_HEADERS = {'Cache-Control': 'no-store'}


def _json(data, status=HTTPStatus.OK):
    return json_response(data, status, JSON_HEADERS)


def _static(filename):
    return static_response(STATIC, filename)


@app.route('/see_telefonia/panel', methods={'GET'})
def panel_page(request):
    "The panel; its script finds the database from the web client's session"
    return _static('panel.html')


@app.route('/<database_name>/see_telefonia/panel', methods={'GET'})
def panel_database_page(request, database_name):
    "The panel of the database"
    return _static('panel.html')


@app.route('/see_telefonia/static/<path:filename>', methods={'GET'})
def panel_static(request, filename):
    "Script and style of the panel"
    return _static(filename)


def queue_rows(pool):
    "The supervisor's figures of each active queue, today"
    QueuePanel = pool.get('see.telephony.panel.queue')
    rows = []
    for line in QueuePanel.search([]):
        queue = line.queue
        rows.append({
                'id': queue.id,
                'name': queue.rec_name,
                'waiting': line.waiting or 0,
                'longest_wait': line.longest_wait or 0,
                'received': line.received or 0,
                'answered': line.answered or 0,
                'abandoned': line.abandoned or 0,
                'in_call': line.in_call or 0,
                'service_level': (round(line.service_level, 1)
                    if line.service_level is not None else None),
                'target_seconds': queue.target_seconds,
                })
    rows.sort(key=lambda r: r['name'])
    return rows


def agent_rows(pool):
    "Each mapped agent's state now: free, in call, paused or wrap-up"
    Agent = pool.get('see.telephony.agent')
    now = dt.datetime.now()
    labels = dict(Agent.fields_get(['live_status'])['live_status'][
            'selection'])
    rows = []
    for agent in Agent.search([('status', '!=', 'offline')]):
        status = agent.live_status
        since = agent.status_date
        rows.append({
                'id': agent.id,
                'name': agent.user.rec_name if agent.user else agent.name,
                'interface': agent.interface,
                'status': status,
                'status_name': labels.get(status, status),
                'paused_reason': agent.paused_reason or '',
                'seconds': (int((now - since).total_seconds())
                    if since else None),
                'queue': agent.queue_name or '',
                })
    rows.sort(key=lambda r: (r['name'] or '', r['interface']))
    return rows


@app.route('/<database_name>/see_telefonia/panel/data', methods={'GET'})
@app.auth_required
@with_pool
@with_transaction(user='request', context=dict(_check_access=True))
def panel_data(request, pool):
    "Queues and agents now, for the users allowed to read them"
    User = pool.get('res.user')
    with user_context(pool):
        try:
            agents = agent_rows(pool)
            queues = queue_rows(pool)
        except AccessError as error:
            return error_response(
                error, HTTPStatus.FORBIDDEN, JSON_HEADERS)
        totals = {s: 0 for s in ['free', 'in_call', 'paused', 'wrapup']}
        for agent in agents:
            if agent['status'] in totals:
                totals[agent['status']] += 1
        user = User(Transaction().user)
        return _json({
                'user': user.rec_name,
                'time': dt.datetime.now().isoformat(timespec='seconds'),
                'refresh': REFRESH_SECONDS,
                'queues': queues,
                'agents': agents,
                'agent_totals': totals,
                })

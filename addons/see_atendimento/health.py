# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Is the platform healthy? One answer for the operators' probes.

``GET /<database>/see/health`` with the token of ``[see_atendimento] health_token`` in
``Authorization: Bearer TOKEN`` (or ``?token=``) answers ``{"status": "ok" or
"fail", "checks": [{"name", "ok", "message", ...}], "time"}``: HTTP 200
only when every check passes, 503 otherwise, so that a blackbox probe
(Zabbix, Prometheus) needs no parser. Each module adds its own checks by
extending ``see.health.checks`` (see_telefonia adds its AMI connectors).

Settings (``[see_atendimento]``): ``health_token``; ``health_cron_grace`` (seconds a
scheduled job may be late, 900); ``health_disk_free`` (minimum free percent
of the file store's disk, 5)."""
import datetime as dt
import hmac
import logging
import os
import shutil
import time
import uuid

from sql.aggregate import Max

from trytond import backend
from trytond import config
from trytond.i18n import gettext
from trytond.model import Model
from trytond.pool import Pool
from trytond.transaction import Transaction

logger = logging.getLogger(__name__)


def token_matches(request):
    "Whether request carries the configured health token"
    expected = config.get('see_atendimento', 'health_token', default='')
    if not expected:
        return False
    given = ''
    authorization = request.headers.get('Authorization', '')
    if authorization.startswith('Bearer '):
        given = authorization[len('Bearer '):].strip()
    given = given or request.args.get('token', '')
    return hmac.compare_digest(given.encode(), expected.encode())


class Health(Model):
    "The checks of the platform's health"
    __string__ = "Platform Health"
    __name__ = 'see.health'

    @classmethod
    def checks(cls):
        "(name, method) of every check: a method returns (ok, message, data)"
        return [
            ('database', cls.check_database),
            ('cron', cls.check_cron),
            ('bus', cls.check_bus),
            ('disk', cls.check_disk),
            ]

    @classmethod
    def report(cls):
        "The result of every check, each timed, a failing one never raising"
        results = []
        for name, check in cls.checks():
            start = time.monotonic()
            try:
                ok, message, data = check()
            except Exception as error:
                logger.warning("health check %s failed", name, exc_info=True)
                ok, message, data = False, gettext(
                    'see_atendimento.msg_health_check_error',
                    error=type(error).__name__), {}
            results.append(dict(data, name=name, ok=ok, message=message,
                    ms=round((time.monotonic() - start) * 1000, 1)))
        return results

    @classmethod
    def check_database(cls):
        cursor = Transaction().connection.cursor()
        cursor.execute('SELECT 1')
        cursor.fetchone()
        return True, '', {'backend': backend.name}

    @classmethod
    def check_cron(cls):
        """The scheduled jobs run: none is later than the grace (trytond-cron
        sets the next call of a job when it runs it)"""
        pool = Pool()
        Cron = pool.get('ir.cron')
        Log = pool.get('ir.cron.log')
        grace = config.getint('see_atendimento', 'health_cron_grace', default=900)
        now = dt.datetime.now()
        late = []
        for cron in Cron.search([('active', '=', True)]):
            due = cron.next_call or cron.create_date
            if due and (now - due).total_seconds() > grace:
                late.append((due, cron))
        log = Log.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*log.select(Max(log.ended)))
        last_run, = cursor.fetchone()
        data = {'last_run': last_run.isoformat() if last_run else None,
            'late': len(late)}
        if late:
            due, cron = min(late, key=lambda l: l[0])
            return False, gettext('see_atendimento.msg_health_cron_late',
                cron=cron.rec_name,
                minutes=int((now - due).total_seconds() // 60)), data
        return True, '', data

    @classmethod
    def check_bus(cls):
        """PostgreSQL's channels deliver: the bus of the web client, the
        panels and the chat wait on them"""
        database = backend.Database(Transaction().database.name)
        if not database.has_channel():
            return True, '', {'channels': False}
        seconds = 2
        channel = 'see_health_%s' % uuid.uuid4().hex
        connection = database.get_connection(autocommit=True)
        try:
            cursor = connection.cursor()
            cursor.execute('LISTEN "%s"' % channel)
            cursor.execute('NOTIFY "%s"' % channel)
            received = any(True for _ in connection.notifies(
                    timeout=seconds, stop_after=1))
            cursor.execute('UNLISTEN "%s"' % channel)
        finally:
            database.put_connection(connection)
        if not received:
            return False, gettext('see_atendimento.msg_health_bus',
                seconds=seconds), {'channels': True}
        return True, '', {'channels': True}

    @classmethod
    def check_disk(cls):
        "The disk of the file store (attachments, recordings) has room"
        path = config.get('database', 'path')
        minimum = config.getfloat('see_atendimento', 'health_disk_free', default=5)
        if not path or not os.path.isdir(path):
            return True, '', {}
        usage = shutil.disk_usage(path)
        free = round(usage.free * 100 / usage.total, 1)
        data = {'free_percent': free, 'free_bytes': usage.free}
        if free < minimum:
            return False, gettext('see_atendimento.msg_health_disk',
                free=free, minimum=minimum), data
        return True, '', data


def database_pool(database_name):
    "The pool of database_name, initialised on the first request"
    database_list = Pool.database_list()
    pool = Pool(database_name)
    if database_name not in database_list:
        with Transaction().start(database_name, 0, readonly=True):
            pool.init()
    return pool


def _database_down(database_name):
    "The failed database check while faults.py finds the database away"
    from . import faults
    if faults.probe(database_name):
        return None
    since, error = faults.down(database_name) or (time.time(), '')
    return [{'name': 'database', 'ok': False,
            'message': faults.message('msg_health_database_down',
                since=dt.datetime.fromtimestamp(since).isoformat(
                    timespec='seconds'), error=error),
            'since': dt.datetime.fromtimestamp(since).isoformat(
                timespec='seconds'),
            'error': error}]


def health_report(database_name):
    """The checks' results; a database that cannot be reached fails the
    database check (its message cannot be read from it: the translation
    file gives it)"""
    if backend.name == 'postgresql':
        down = _database_down(database_name)
        if down:
            return down
    try:
        pool = database_pool(database_name)
        with Transaction().start(database_name, 0, readonly=True):
            return pool.get('see.health').report()
    except Exception as error:
        logger.warning("health of %s: no database", database_name,
            exc_info=True)
        return [{'name': 'database', 'ok': False,
                'message': "database unreachable (%s)" % (
                    type(error).__name__)}]

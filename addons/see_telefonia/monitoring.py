# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The telephony's part of the health check and of the metrics: each AMI
connector alive (it reports every few seconds, see connector/writer.py),
connected and with nothing left in its spool; the calls of the day."""
import datetime as dt

from sql.aggregate import Count

from trytond import config
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Health(metaclass=PoolMeta):
    __name__ = 'see.health'

    @classmethod
    def checks(cls):
        return super().checks() + [('ami', cls.check_ami_connectors)]

    @classmethod
    def check_ami_connectors(cls):
        Server = Pool().get('see.ami.server')
        timeout = config.getint(
            'see_telefonia', 'heartbeat_timeout', default=60)
        now = dt.datetime.now()
        servers, problems = [], []
        for server in Server.search([('active', '=', True)]):
            seen = (int((now - server.heartbeat_date).total_seconds())
                if server.heartbeat_date else None)
            servers.append({
                    'server': server.name,
                    'status': server.status,
                    'seen_seconds_ago': seen,
                    'last_event': (server.last_event_date.isoformat(
                            timespec='seconds')
                        if server.last_event_date else None),
                    'spool_bytes': server.spool_bytes or 0,
                    })
            if seen is None or seen > timeout:
                problems.append(gettext(
                        'see_telefonia.msg_health_connector_silent',
                        server=server.name, seconds=timeout))
            elif server.status != 'ready':
                problems.append(gettext(
                        'see_telefonia.msg_health_connector_status',
                        server=server.name,
                        status=server.status_string))
            elif server.spool_bytes:
                problems.append(gettext(
                        'see_telefonia.msg_health_connector_spool',
                        server=server.name, size=server.spool_bytes))
        return not problems, ' '.join(problems), {'servers': servers}


class Metrics(metaclass=PoolMeta):
    __name__ = 'see.metrics'

    @classmethod
    def samples(cls):
        pool = Pool()
        Call = pool.get('see.call')
        Server = pool.get('see.ami.server')
        samples = super().samples()
        call = Call.__table__()
        cursor = Transaction().connection.cursor()
        midnight = dt.datetime.combine(dt.date.today(), dt.time())
        cursor.execute(*call.select(call.disposition, Count(call.id),
                where=call.arrival_date >= midnight,
                group_by=[call.disposition]))
        for disposition, count in cursor:
            samples.append(('see_calls_today', 'gauge',
                    "Calls arrived since midnight (server time), by outcome",
                    {'disposition': disposition or ''}, count))
        timeout = config.getint(
            'see_telefonia', 'heartbeat_timeout', default=60)
        now = dt.datetime.now()
        for server in Server.search([('active', '=', True)]):
            up = bool(server.status == 'ready' and server.heartbeat_date
                and (now - server.heartbeat_date).total_seconds() <= timeout)
            samples.append(('see_ami_connector_up', 'gauge',
                    "1 when the AMI connector reports and is connected",
                    {'server': server.name}, int(up)))
            samples.append(('see_ami_spool_bytes', 'gauge',
                    "Events the AMI connector keeps on disk for the database",
                    {'server': server.name}, server.spool_bytes or 0))
        return samples

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Who read which citizen's data, and when (LGPD art. 37)

A model holding a citizen's data lists its personal fields in
``_personal_fields`` and its files in ``_personal_downloads`` and takes
``PersonalDataAccess`` in its bases (each module adds it to its own
models): every read of those fields by a user, every export and every
download of the files writes one row per record, in one insert per call.
Reads only: a read-only transaction cannot write, so the rows go through
a transaction of their own. The auditor and the data protection officer
read the log; a cron forgets rows older than ``[see_atendimento]
access_log_days`` (default 1825, five years)."""
import datetime as dt
import logging

from trytond import config
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .integrity import ServerReadonly, external_call

logger = logging.getLogger(__name__)

KINDS = [
    ('read', "Read"),
    ('export', "Export"),
    ('download', "Download"),
    ]


def keep_days():
    return config.getint('see_atendimento', 'access_log_days', default=1825)


def enabled():
    """Whether the reads are logged: ``[see_atendimento] access_log``, on
    unless set to False, which only bench/access_log.py does to measure
    the log's cost (LGPD art. 37 wants it on)"""
    return config.getboolean('see_atendimento', 'access_log', default=True)


class DataAccessLog(ServerReadonly, ModelSQL, ModelView):
    __string__ = "Personal Data Access"
    __name__ = 'see.data.access.log'

    date = fields.DateTime("Date", readonly=True, required=True)
    user = fields.Many2One('res.user', "User", readonly=True)
    resource = fields.Reference("Record", selection='get_models',
        readonly=True, required=True)
    kind = fields.Selection(KINDS, "Access", readonly=True, required=True)
    field_names = fields.Char("Fields", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'DESC'))
        cls._order.insert(1, ('id', 'DESC'))

    @classmethod
    def get_models(cls):
        pool = Pool()
        Model = pool.get('ir.model')
        names = [n for n, k in pool.iterobject()
            if issubclass(k, PersonalDataAccess)]
        return [(None, '')] + [(m.name, m.string) for m in Model.search(
                    [('name', 'in', names)])]

    @classmethod
    def log(cls, model, ids, kind, names=()):
        "Record that the user of the transaction accessed ids of model"
        transaction = Transaction()
        user = transaction.user
        now = dt.datetime.now()
        field_names = ','.join(sorted(names))[:255] or None
        table = cls.__table__()
        rows = [[now, user, '%s,%s' % (model, i), kind, field_names,
                now, user] for i in ids if i is not None and i >= 0]
        if not rows:
            return
        with transaction.new_transaction() as log_transaction:
            cursor = log_transaction.connection.cursor()
            cursor.execute(*table.insert([
                        table.date, table.user, table.resource, table.kind,
                        table.field_names, table.create_date,
                        table.create_uid],
                    rows))

    @classmethod
    def purge(cls):
        "Cron: forget the rows older than the configured time"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cutoff = dt.datetime.now() - dt.timedelta(days=keep_days())
        cursor.execute(*table.delete(where=table.date < cutoff))


class PersonalDataAccess:
    """Log the users' reads of _personal_fields, exports and downloads of
    _personal_downloads (binary fields)"""
    __slots__ = ()
    _personal_fields = set()
    _personal_downloads = set()

    @classmethod
    def read(cls, ids, fields_names):
        result = super().read(ids, fields_names)
        if external_call() and fields_names and enabled():
            names = set(fields_names)
            downloads = names & cls._personal_downloads
            personal = names & cls._personal_fields
            Log = Pool().get('see.data.access.log')
            # The client reads a file's size (the field name without a
            # value): only a read of its content is a download
            if downloads and Transaction().context.get(
                    '%s.%s' % (cls.__name__, next(iter(downloads)))) != 'size':
                Log.log(cls.__name__, ids, 'download', downloads)
            elif personal:
                Log.log(cls.__name__, ids, 'read', personal)
        return result

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        result = super().export_data(records, fields_names, header=header)
        if external_call() and enabled():
            names = {n.split('/')[0] for n in fields_names}
            personal = names & (cls._personal_fields | cls._personal_downloads)
            if personal:
                Pool().get('see.data.access.log').log(
                    cls.__name__, [r.id for r in records], 'export', personal)
        return result


class Protocol(PersonalDataAccess, metaclass=PoolMeta):
    __name__ = 'see.protocol'
    _personal_fields = {
        'requester', 'requester_name', 'requester_phone', 'requester_cpf',
        'requester_phone_shown', 'requester_cpf_shown', 'description'}


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('see.data.access.log|purge',
                "Forget Old Personal Data Access Logs"))

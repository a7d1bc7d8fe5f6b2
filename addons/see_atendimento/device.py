# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Devices that open public pages without a user: kiosks, TV panels,
evaluation tablets

An administrator registers a device and issues its token with the button
"Issue Token": the token is shown once, only its SHA-256 and its last
characters (the hint) are stored. Issuing again makes the previous token
stop working; deactivating the device revokes it.

The pages send the token in the ``X-Device-Token`` header; their routes
wrap their function with `device_required`, which answers 403 with a
Portuguese message for a missing, wrong or revoked token and 429 to an
address that failed too often in the last minute."""
import datetime as dt
import functools
import hashlib
import secrets
import time

from sql import Conflict, Literal
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond import config
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool, PoolMeta
from trytond.protocols.wrappers import HTTPStatus
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateView, Wizard

from . import web
from .exceptions import DeviceRateError, DeviceTokenError
from .integrity import ServerReadonly

TOKEN_HEADER = 'X-Device-Token'
# Tokens are 32 URL-safe characters; anything much longer is not one
TOKEN_MAX_SIZE = 128
HINT_SIZE = 4
# The pages' requests update last_seen at most this often
SEEN_EVERY = dt.timedelta(seconds=60)
JSON_HEADERS = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    }


def hash_token(token):
    return hashlib.sha256(token.encode('utf-8')).hexdigest()


def failure_limit():
    "Wrong tokens an address may send per minute"
    return config.getint('see_atendimento', 'device_failures', default=10)


class Device(ServerReadonly, DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Device"
    __name__ = 'see.device'

    name = fields.Char(
        "Name", required=True,
        help="Where the device is, such as \"Totem da entrada\".")
    kind = fields.Selection(
        [], "Kind", required=True,
        help="The page the device opens: each module adds its own.")
    kind_string = kind.translated('kind')
    # Only issue_token writes them; the token itself is never stored
    token_hash = fields.Char("Token Hash", readonly=True)
    token_hint = fields.Char(
        "Token Hint", readonly=True,
        help="The last characters of the current token, to recognise it.")
    token_date = fields.DateTime("Token Issued", readonly=True)
    last_seen = fields.DateTime(
        "Last Seen", readonly=True,
        help="The last time the device's page reached the server (within "
        "a minute).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('token_hash_unique', Unique(t, t.token_hash),
                'see_atendimento.msg_device_token_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.token_hash, Index.Equality())))
        cls._order.insert(0, ('name', 'ASC'))
        cls._buttons.update({
                'issue_token': {
                    'invisible': ~Eval('active', True),
                    'icon': 'tryton-launch',
                    'depends': ['active'],
                    },
                })

    @classmethod
    def copy(cls, devices, default=None):
        default = default.copy() if default is not None else {}
        for name in ['token_hash', 'token_hint', 'token_date', 'last_seen']:
            default.setdefault(name, None)
        return super().copy(devices, default=default)

    @classmethod
    def on_modification(cls, mode, devices, field_names=None):
        super().on_modification(mode, devices, field_names=field_names)
        if mode == 'write' and 'active' in field_names:
            revoked = [d for d in devices if not d.active and d.token_hash]
            if revoked:
                # Deactivation revokes: reactivating needs a new token
                with without_check_access():
                    cls.write(revoked, {
                            'token_hash': None,
                            'token_hint': None,
                            'token_date': None,
                            })

    @classmethod
    @ModelView.button_action('see_atendimento.wizard_device_token')
    def issue_token(cls, devices):
        pass

    def new_token(self):
        """Issue a new token for the device and return it: the previous
        one stops working at once"""
        token = secrets.token_urlsafe(24)
        # Written by this process only, never by a user (ServerReadonly)
        with without_check_access():
            self.__class__.write([self], {
                    'token_hash': hash_token(token),
                    'token_hint': token[-HINT_SIZE:],
                    'token_date': dt.datetime.now(),
                    })
        return token

    @classmethod
    def from_token(cls, token, kinds):
        "The active device of kinds with token, or None"
        if not token or not isinstance(token, str) or (
                len(token) > TOKEN_MAX_SIZE):
            return None
        devices = cls.search([
                ('token_hash', '=', hash_token(token)),
                ('kind', 'in', list(kinds)),
                ], limit=1)
        return devices[0] if devices else None

    def seen(self):
        "Record that the device's page is alive, once a minute at most"
        table = self.__table__()
        cursor = Transaction().connection.cursor()
        now = dt.datetime.now()
        cursor.execute(*table.update([table.last_seen], [now],
                where=(table.id == self.id)
                & ((table.last_seen == None)  # noqa: E711
                    | (table.last_seen < now - SEEN_EVERY))))

    @classmethod
    def authenticate(cls, token, kinds, address):
        """The id of the active device of kinds whose token is token

        Raise DeviceRateError when address failed too often in the last
        minute, DeviceTokenError when no device has the token (and count
        the failure). Run it in autocommit: the failure is counted even
        though the request is refused."""
        Rate = Pool().get('see.device.rate')
        key = 'device-failure:' + hash_token(address or '')
        limit = failure_limit()
        if Rate.over(key, limit):
            raise DeviceRateError(gettext('see_atendimento.msg_device_rate'))
        device = cls.from_token(token, kinds)
        if device is None:
            Rate.hit(key)
            raise DeviceTokenError(gettext(
                    'see_atendimento.msg_device_token_invalid'))
        device.seen()
        return device.id


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('see.device.rate|clean', "Forget Old Device Request Counts"))


class DeviceRate(ServerReadonly, ModelSQL):
    """Counts per key and minute, shared by every process: the failed
    tokens of an address, the tickets of a kiosk"""
    __string__ = "Device Request Rate"
    __name__ = 'see.device.rate'

    key = fields.Char("Key", required=True, readonly=True)
    minute = fields.Integer(
        "Minute", required=True, readonly=True,
        help="Minutes since the epoch.")
    hits = fields.Integer("Hits", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('key_minute_unique', Unique(t, t.key, t.minute),
                'see_atendimento.msg_device_rate_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.minute, Index.Range())))

    @classmethod
    def count(cls, key, now=None):
        """The hits of key in the last 60 seconds, estimated from the
        current minute and the part of the previous one still in them"""
        now = time.time() if now is None else now
        minute, elapsed = divmod(now, 60)
        minute = int(minute)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.minute, table.hits,
                where=(table.key == key)
                & table.minute.in_([minute - 1, minute])))
        hits = dict(cursor)
        return hits.get(minute, 0) + hits.get(minute - 1, 0) * (
            (60 - elapsed) / 60)

    @classmethod
    def over(cls, key, limit, now=None):
        "Whether key reached limit hits in the last minute"
        return cls.count(key, now=now) >= limit

    @classmethod
    def hit(cls, key, limit=None, now=None):
        """Count a hit of key (an atomic upsert); return whether it is
        within limit hits in the last minute"""
        now = time.time() if now is None else now
        minute = int(now // 60)
        table = cls.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        columns = [table.key, table.minute, table.hits, table.create_uid,
            table.create_date]
        row = [key, minute, 1, transaction.user, CurrentTimestamp()]
        if backend.name == 'postgresql':
            cursor.execute(*table.insert(columns, [row],
                    on_conflict=Conflict(table,
                        indexed_columns=[table.key, table.minute],
                        columns=[table.hits],
                        values=[table.hits + Literal(1)])))
        else:
            # SQLite (the demo) has one writer at a time
            cursor.execute(*table.update([table.hits], [table.hits + 1],
                    where=(table.key == key) & (table.minute == minute)))
            if not cursor.rowcount:
                cursor.execute(*table.insert(columns, [row]))
        if limit is None:
            return True
        return cls.count(key, now=now) <= limit

    @classmethod
    def clean(cls):
        "Forget the counts of more than a minute ago"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.delete(
                where=table.minute < int(time.time() // 60) - 1))


class DeviceTokenShow(ModelView):
    __string__ = "Device Token"
    __name__ = 'see.device.token.show'

    device = fields.Many2One('see.device', "Device", readonly=True)
    token = fields.Char(
        "Token", readonly=True,
        help="Copy it into the device's page now: it is not shown again.")


class DeviceToken(Wizard):
    "Issue a device's token and show it once"
    __string__ = "Issue Device Token"
    __name__ = 'see.device.token'

    start = StateView('see.device.token.show',
        'see_atendimento.device_token_show_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        # Issued when shown: the token lives only in this answer
        device = self.record
        return {
            'device': device.id,
            'token': device.new_token(),
            }


def device_required(*kinds, header=TOKEN_HEADER):
    """Decorate a route (request, pool, ...) of the pages of devices of
    kinds: it is called with the device's id after the request, or the
    request is answered 403 (no, wrong or revoked token) or 429 (too many
    wrong tokens from its address) with a JSON error in Portuguese"""
    def decorator(func):
        @functools.wraps(func)
        def wrapper(request, pool, *args, **kwargs):
            token = request.headers.get(header, '')
            try:
                # Autocommit: a failure is counted though refused
                with Transaction().start(pool.database_name, 0,
                        readonly=False, autocommit=True):
                    Device = pool.get('see.device')
                    device_id = Device.authenticate(
                        token, kinds, request.remote_addr)
            except DeviceRateError as error:
                return web.error_response(
                    error, HTTPStatus.TOO_MANY_REQUESTS, JSON_HEADERS)
            except DeviceTokenError as error:
                return web.error_response(
                    error, HTTPStatus.FORBIDDEN, JSON_HEADERS)
            return func(request, pool, device_id, *args, **kwargs)
        return wrapper
    return decorator

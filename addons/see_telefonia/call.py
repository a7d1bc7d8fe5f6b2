# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
import json
import logging
import os
import zipfile

from sql import Literal, Null
from sql.aggregate import Avg, Count, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import Extract

from trytond import backend, config
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder
from trytond.tools import safe_join
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateAction, StateView, Wizard

from . import events as ami_events
from .exceptions import CallLinkError, StorageBackendError

logger = logging.getLogger(__name__)

DISPOSITIONS = [
    (None, ""),
    ('in_progress', "In Progress"),
    ('answered', "Answered"),
    ('short', "Short Call"),
    ('abandoned', "Abandoned in Queue"),
    ('abandoned_short', "Abandoned before 5 s"),
    ('abandoned_long', "Abandoned after 60 s"),
    ('timeout', "Queue Timeout"),
    ('ivr', "IVR Only"),
    ('unanswered', "Not Answered"),
    ]
ANSWERED = ('answered', 'short')
ABANDONED = ('abandoned', 'abandoned_short', 'abandoned_long')
RECORDING_DAYS = 180
# PostgreSQL type of the columns written by the connector
_SQL_TYPES = {name: 'timestamp' for name in ami_events.EARLIEST
    | ami_events.LATEST}
_SQL_TYPES.update({name: 'varchar' for name in ami_events.FIRST
    | ami_events.LAST | {'linkedid'}})
_SQL_TYPES.update(survey_score='integer', transferred='boolean')
# Screen pops are only sent for answers this recent (not for replays)
SCREEN_POP_SECONDS = 120


def _json_default(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(repr(value))


def recordings_path():
    return config.get('see_telefonia', 'recordings_path',
        default=os.path.join(config.get('database', 'path'), 'recordings'))


def archive_path():
    return config.get('see_telefonia', 'archive_path',
        default=os.path.join(config.get('database', 'path'),
            'recordings-archive'))


def in_group(*xml_ids):
    "Tell whether the user of the transaction is in one of the groups"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    groups = set(User.get_groups())
    return any(ModelData.get_id(*x.split('.', 1)) in groups for x in xml_ids)


class Call(ServerReadonly, ModelSQL, ModelView):
    """A call seen on the PBX

    Everything measured (dates, seconds, disposition, caller, agent, queue)
    is written by the AMI connector and the queue_log import only, as the
    database's technical user: for every user of the API they are
    read-only.  A user may only link the call to a protocol."""
    __string__ = "Call"
    __name__ = 'see.call'
    _rec_name = 'linkedid'
    _history = True

    server = fields.Many2One(
        'see.ami.server', "AMI Server", required=True, readonly=True,
        ondelete='RESTRICT')
    uniqueid = fields.Char("Unique ID", readonly=True)
    linkedid = fields.Char("Linked ID", required=True, readonly=True)
    direction = fields.Selection([
            (None, ""),
            ('inbound', "Inbound"),
            ('outbound', "Outbound"),
            ('internal', "Internal"),
            ], "Direction", readonly=True)
    caller = fields.Char(
        "Caller", readonly=True,
        help="The external party's number, in E.164 when valid.")
    caller_name = fields.Char("Caller Name", readonly=True)
    dialled = fields.Char("Dialled Number", readonly=True)
    trunk = fields.Char("Trunk", readonly=True)
    queue_name = fields.Char("Queue Name", readonly=True)
    queue = fields.Many2One(
        'see.telephony.queue', "Queue", readonly=True, ondelete='SET NULL')
    agent_interface = fields.Char("Agent Interface", readonly=True)
    agent = fields.Many2One(
        'res.user', "Agent", readonly=True, ondelete='SET NULL')
    arrival_date = fields.DateTime("Arrival", readonly=True)
    ivr_exit_date = fields.DateTime("IVR Exit", readonly=True)
    queue_date = fields.DateTime("Queue Entry", readonly=True)
    queue_exit_date = fields.DateTime("Queue Exit", readonly=True)
    queue_exit = fields.Selection([
            (None, ""),
            ('connect', "Answered"),
            ('abandon', "Abandoned"),
            ('timeout', "Timeout"),
            ], "Queue Exit Reason", readonly=True)
    answer_date = fields.DateTime("Answer", readonly=True)
    complete_date = fields.DateTime("Agent End", readonly=True)
    hangup_date = fields.DateTime("Hangup", readonly=True)
    hangup_cause = fields.Char("Hangup Cause", readonly=True)
    last_event_date = fields.DateTime("Last Event", readonly=True)
    ivr_seconds = fields.Integer("IVR (s)", readonly=True)
    wait_seconds = fields.Integer("Wait (s)", readonly=True)
    talk_seconds = fields.Integer("Talk (s)", readonly=True)
    disposition = fields.Selection(
        DISPOSITIONS, "Disposition", readonly=True, sort=False)
    transferred = fields.Boolean("Transferred", readonly=True)
    closed_by = fields.Selection([
            (None, ""),
            ('hangup', "Hangup Event"),
            ('cdr', "CDR"),
            ('resync', "Resynchronisation"),
            ('reconcile', "Reconciliation"),
            ('queue_log', "Queue Log"),
            ], "Closed By", readonly=True)
    recording = fields.Char("Recording", readonly=True)
    recording_available = fields.Function(
        fields.Boolean("Recording Available"), 'get_recording_available')
    recording_file = fields.Function(
        fields.Binary("Recording File", filename='recording_filename'),
        'get_recording_file')
    recording_filename = fields.Function(
        fields.Char("Recording File Name"), 'get_recording_filename')
    survey_score = fields.Integer("Survey Score", readonly=True)
    protocol = fields.Many2One(
        'see.protocol', "Protocol", ondelete='SET NULL',
        domain=[('channel', '=', 'telefone')],
        states={'readonly': Eval('protocol_readonly', True)},
        depends=['protocol_readonly'])
    protocol_readonly = fields.Function(
        fields.Boolean("Protocol Read Only"), 'get_protocol_readonly')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('linkedid_unique', Unique(t, t.server, t.linkedid),
                'see_telefonia.msg_call_linkedid_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.arrival_date, Index.Range())),
                Index(t, (t.uniqueid, Index.Equality())),
                Index(t, (t.protocol, Index.Equality())),
                Index(t, (t.agent, Index.Equality()),
                    (t.answer_date, Index.Range())),
                Index(t, (t.hangup_date, Index.Equality()),
                    where=t.hangup_date == Null),
                })
        cls._order = [('arrival_date', 'DESC NULLS FIRST'), ('id', 'DESC')]

    @classmethod
    def check_modification(cls, mode, calls, values=None, external=False):
        super().check_modification(
            mode, calls, values=values, external=external)
        if (mode == 'write' and external and values
                and values.get('protocol')):
            cls.check_protocol_link(values['protocol'])

    @classmethod
    def check_protocol_link(cls, protocol_id):
        """An agent links calls only to the protocols they registered (a
        linked call counts as registered for IAR); supervisors correct"""
        pool = Pool()
        Protocol = pool.get('see.protocol')
        if in_group('see_atendimento.group_supervisor',
                'see_atendimento.group_admin'):
            return
        protocol = Protocol(protocol_id)
        if not protocol.agent or protocol.agent.id != Transaction().user:
            raise CallLinkError(gettext(
                    'see_telefonia.msg_call_link_own_protocol',
                    protocol=protocol.rec_name))

    def get_rec_name(self, name):
        return '%s %s' % (self.caller or self.dialled or '',
            self.arrival_date.strftime('%d/%m/%Y %H:%M:%S')
            if self.arrival_date else self.linkedid)

    def get_protocol_readonly(self, name):
        return bool(self.protocol) and self.protocol.state not in {
            'draft', 'attending'}

    def get_recording_available(self, name):
        if not self.recording or not self.arrival_date:
            return False
        return (dt.datetime.now() - self.arrival_date
            <= dt.timedelta(days=RECORDING_DAYS))

    def recording_path(self):
        if not self.recording:
            return None
        name = self.recording
        root = recordings_path()
        if os.path.isabs(name):
            if not os.path.abspath(name).startswith(
                    os.path.abspath(root) + os.sep):
                name = os.path.basename(name)
            else:
                name = os.path.relpath(name, root)
        path = safe_join(root, name)
        if path and os.path.isfile(path):
            return path
        return None

    def get_recording_filename(self, name):
        if self.recording:
            ext = os.path.splitext(self.recording)[1] or '.wav'
            label = self.protocol.number if self.protocol else self.linkedid
            return '%s%s' % (label, ext)

    @classmethod
    def get_recording_file(cls, calls, name):
        result = {}
        for call in calls:
            result[call.id] = None
            if not call.recording_available:
                continue
            path = call.recording_path()
            if path:
                with open(path, 'rb') as file:
                    result[call.id] = fields.Binary.cast(file.read())
        return result

    # Ingestion ------------------------------------------------------------

    @classmethod
    def ingest(cls, server_id, events, now=None):
        """Store a batch of normalized AMI events of server_id

        Idempotent: events are merged by Linkedid with fixed rules, so a
        batch replayed from the spool or a duplicated event changes
        nothing more.  Return a dict of counts."""
        pool = Pool()
        Server = pool.get('see.ami.server')
        cls._check_backend()
        server = Server(server_id)
        settings = server.settings()
        result = ami_events.Result()
        skipped = 0
        for event in events:
            try:
                if event.get('event', '').lower() == 'seeresync':
                    result.live = set(event.get('linkedids') or [])
                    result.resync_date = ami_events.to_datetime(
                        event['_time'])
                    for channel in event.get('channels') or []:
                        ami_events.apply(result, channel, settings)
                    continue
                handled = ami_events.apply(result, event, settings)
            except ami_events.MalformedEvent as error:
                logger.warning("skipped malformed event (%s): %r",
                    error, event.get('_raw') or event)
                skipped += 1
                continue
            if not handled:
                logger.debug("skipped unknown event: %r",
                    event.get('_raw') or event)
        ids = cls._merge(server, result.calls)
        ids |= cls._close_cdr(server, result.cdrs, result.calls)
        if result.live is not None:
            ids |= cls._close_missing(server, result.live,
                getattr(result, 'resync_date', None))
        cls._merge_agents(server, result)
        cls.compute(server, ids)
        cls._apply_surveys(server, result.surveys)
        pops = cls._screen_pops(server, result.screen_pops, now=now,
            patches=result.calls)
        return {'calls': len(ids), 'skipped': skipped, 'pops': pops}

    @staticmethod
    def _check_backend():
        # The merges of the connector are PostgreSQL's statements
        if backend.name != 'postgresql':
            raise StorageBackendError(gettext(
                    'see_telefonia.msg_calls_postgresql',
                    backend=backend.name))

    @classmethod
    def _merge(cls, server, patches):
        """Insert or merge the patches of calls in one statement

        The patches travel as one JSON document (json_to_recordset), so
        the statement's text is the same for every batch and the values
        are encoded by the json module's C code."""
        if not patches:
            return set()
        cursor = Transaction().connection.cursor()
        names = ami_events.CALL_FIELDS
        columns = ['linkedid'] + names
        rules = []
        for name in names:
            if name in ami_events.EARLIEST:
                rule = 'LEAST(t.{0}, EXCLUDED.{0})'
            elif name in ami_events.LATEST:
                rule = 'GREATEST(t.{0}, EXCLUDED.{0})'
            elif name in ami_events.LAST:
                rule = 'COALESCE(EXCLUDED.{0}, t.{0})'
            elif name in ami_events.ANY:
                rule = ('(COALESCE(t.{0}, FALSE) '
                    'OR COALESCE(EXCLUDED.{0}, FALSE))')
            else:
                rule = 'COALESCE(t.{0}, EXCLUDED.{0})'
            rules.append(('{0} = ' + rule).format('"%s"' % name))
        sql = ('INSERT INTO "%s" AS t (create_uid, create_date, server, %s) '
            'SELECT %%s, %%s, %%s, %s '
            'FROM json_to_recordset(%%s::json) AS u(%s) '
            'ON CONFLICT (server, linkedid) DO UPDATE SET %s, '
            'write_uid = EXCLUDED.create_uid, '
            'write_date = EXCLUDED.create_date '
            'RETURNING id') % (
            cls._table, ', '.join('"%s"' % c for c in columns),
            ', '.join('u."%s"' % c for c in columns),
            ', '.join('"%s" %s' % (c, _SQL_TYPES[c]) for c in columns),
            ', '.join(rules))
        rows = [dict(patch, linkedid=linkedid)
            for linkedid, patch in sorted(patches.items())]
        cursor.execute(sql, (Transaction().user, dt.datetime.now(),
                server.id, json.dumps(rows, default=_json_default)))
        return {r[0] for r in cursor}

    @classmethod
    def _close_cdr(cls, server, cdrs, patches=None):
        "A CDR closes a call whose Hangup was missed"
        if patches:
            # A CDR of a channel whose hangup is in the batch closes nothing
            closed = {p.get('uniqueid') for p in patches.values()
                if p.get('hangup_date')}
            cdrs = [(u, w) for u, w in cdrs if u not in closed]
        if not cdrs:
            return set()
        cursor = Transaction().connection.cursor()
        cursor.execute(
            'UPDATE "%s" AS t SET hangup_date = v.w, closed_by = \'cdr\' '
            'FROM unnest(%%s::varchar[], %%s::timestamp[]) AS v(u, w) '
            'WHERE t.server = %%s AND t.uniqueid = v.u '
            'AND t.hangup_date IS NULL RETURNING t.id' % cls._table,
            ([u for u, _ in cdrs], [w for _, w in cdrs], server.id))
        return {r[0] for r in cursor}

    @classmethod
    def _close_missing(cls, server, live, resync_date):
        """Close the open calls the PBX no longer has (after a restart or
        a lost connection): they ended while nobody listened"""
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        where = ((table.server == server.id) & (table.hangup_date == Null))
        if live:
            where &= ~table.linkedid.in_(list(live))
        if resync_date:
            where &= (Coalesce(table.last_event_date, table.arrival_date)
                <= resync_date)
        cursor.execute(*table.update(
                [table.hangup_date, table.closed_by],
                [Coalesce(table.last_event_date, table.arrival_date,
                        resync_date), 'resync'],
                where=where, returning=[table.id]))
        ids = {r[0] for r in cursor}
        if ids:
            logger.info("resync closed %d calls of server %s",
                len(ids), server.id)
        return ids

    @classmethod
    def _merge_agents(cls, server, result):
        pool = Pool()
        Agent = pool.get('see.telephony.agent')
        cursor = Transaction().connection.cursor()
        agents = dict(result.agents)
        for patch in result.calls.values():
            if patch.get('agent_interface'):
                agents.setdefault(patch['agent_interface'], {})
        if not agents:
            return
        names = ['name', 'status', 'paused_reason', 'status_date',
            'last_call_end', 'wrapup_seconds', 'queue_name']
        types = ['varchar', 'varchar', 'varchar', 'timestamp', 'timestamp',
            'integer', 'varchar']
        sql = ('INSERT INTO "%s" AS t (create_uid, create_date, server, '
            'interface, %s) SELECT %%s, %%s, %%s, u.* FROM unnest('
            '%%s::varchar[], %s) AS u '
            'ON CONFLICT (server, interface) DO UPDATE SET '
            'name = COALESCE(EXCLUDED.name, t.name), '
            'status = CASE WHEN EXCLUDED.status IS NOT NULL AND ('
            't.status_date IS NULL OR EXCLUDED.status_date IS NULL '
            'OR EXCLUDED.status_date >= t.status_date) '
            'THEN EXCLUDED.status ELSE t.status END, '
            'paused_reason = COALESCE(EXCLUDED.paused_reason, '
            't.paused_reason), '
            'status_date = GREATEST(t.status_date, EXCLUDED.status_date), '
            'last_call_end = GREATEST(t.last_call_end, '
            'EXCLUDED.last_call_end), '
            'wrapup_seconds = COALESCE(EXCLUDED.wrapup_seconds, '
            't.wrapup_seconds), '
            'queue_name = COALESCE(EXCLUDED.queue_name, t.queue_name), '
            'write_date = EXCLUDED.create_date') % (
            Agent._table, ', '.join('"%s"' % n for n in names),
            ', '.join('%%s::%s[]' % t for t in types))
        items = sorted(agents.items())
        arrays = [[interface for interface, _ in items]]
        arrays += [[patch.get(n) for _, patch in items] for n in names]
        cursor.execute(sql, [Transaction().user, dt.datetime.now(),
                server.id] + arrays)

    @classmethod
    def compute(cls, server, ids):
        """Fill the agent, queue, seconds and disposition of calls

        Every writer of calls (connector, reconciliation, queue_log
        import) ends here: the version of each call is kept in the
        history, as Tryton's write does."""
        pool = Pool()
        Agent = pool.get('see.telephony.agent')
        Queue = pool.get('see.telephony.queue')
        if not ids:
            return
        cursor = Transaction().connection.cursor()
        ids = list(ids)
        table = cls._table
        # Queues seen for the first time are created, to be described later
        cursor.execute(
            'INSERT INTO "%s" (create_uid, create_date, server, name, '
            'active, target_seconds) '
            'SELECT DISTINCT %%s, %%s, c.server, c.queue_name, TRUE, 60 '
            'FROM "%s" c WHERE c.id = ANY(%%s) AND c.queue_name IS NOT NULL '
            'ON CONFLICT (server, name) DO NOTHING RETURNING id'
            % (Queue._table, table),
            (Transaction().user, dt.datetime.now(), ids))
        new_queues = [r[0] for r in cursor]
        if new_queues:
            Queue._insert_history(new_queues)

        def seconds(end, start):
            return ('ROUND(EXTRACT(EPOCH FROM (%s) - (%s)))::integer'
                % (end, start))
        ivr = seconds('COALESCE(c.queue_date, c.answer_date, c.hangup_date)',
            'c.arrival_date')
        wait = ('CASE WHEN c.queue_date IS NOT NULL THEN %s END' % seconds(
                'COALESCE(c.queue_exit_date, c.answer_date, c.hangup_date)',
                'c.queue_date'))
        talk = ('CASE WHEN c.answer_date IS NOT NULL THEN %s END' % seconds(
                'COALESCE(c.complete_date, c.hangup_date)', 'c.answer_date'))
        # One statement: queue, agent, seconds and disposition
        cursor.execute(
            'UPDATE "{call}" AS c SET '
            'write_uid = %s, write_date = %s, '
            'queue = COALESCE(m.queue, c.queue), '
            'agent = COALESCE(m.agent, c.agent), '
            'ivr_exit_date = COALESCE(c.queue_date, c.answer_date, '
            'c.hangup_date), '
            'ivr_seconds = {ivr}, wait_seconds = {wait}, '
            'talk_seconds = {talk}, '
            'disposition = CASE '
            "WHEN c.hangup_date IS NULL THEN 'in_progress' "
            'WHEN c.answer_date IS NOT NULL THEN CASE '
            "WHEN {talk} < %s THEN 'short' ELSE 'answered' END "
            "WHEN c.queue_exit = 'timeout' THEN 'timeout' "
            'WHEN c.queue_date IS NOT NULL THEN CASE '
            "WHEN {wait} < %s THEN 'abandoned_short' "
            "WHEN {wait} > %s THEN 'abandoned_long' "
            "ELSE 'abandoned' END "
            "WHEN c.direction = 'inbound' OR c.direction IS NULL "
            "THEN 'ivr' ELSE 'unanswered' END "
            'FROM (SELECT k.id, q.id AS queue, a."user" AS agent '
            'FROM "{call}" AS k '
            'LEFT JOIN "{queue}" AS q ON q.server = k.server '
            'AND q.name = k.queue_name '
            'LEFT JOIN "{agent}" AS a ON a.server = k.server '
            'AND a.interface = k.agent_interface '
            'WHERE k.id = ANY(%s)) AS m '
            'WHERE c.id = m.id'.format(call=table, queue=Queue._table,
                agent=Agent._table, ivr=ivr, wait=wait, talk=talk),
            (Transaction().user, dt.datetime.now(),
                server.short_call_seconds, server.short_abandon_seconds,
                server.long_abandon_seconds, ids))
        cls._insert_history(ids)

    @classmethod
    def _apply_surveys(cls, server, surveys):
        "The survey's score becomes the protocol's satisfaction score"
        pool = Pool()
        Protocol = pool.get('see.protocol')
        if not surveys:
            return
        calls = cls.search([
                ('server', '=', server.id),
                ('linkedid', 'in', [l for l, _ in surveys]),
                ('protocol', '!=', None),
                ])
        by_linkedid = {c.linkedid: c for c in calls}
        for linkedid, score in surveys:
            call = by_linkedid.get(linkedid)
            if call and call.protocol.survey_score != score:
                with without_check_access():
                    Protocol.set_survey([call.protocol], score)

    @classmethod
    def _screen_pops(cls, server, pops, now=None, patches=None):
        now = now or dt.datetime.now()
        if patches:
            # Replayed or late answers pop up nothing: no need to read them
            limit = now - dt.timedelta(seconds=SCREEN_POP_SECONDS)
            pops = [(l, i) for l, i in pops
                if (patches.get(l) or {}).get('answer_date', now) >= limit]
        if not pops:
            return 0
        calls = cls.search([
                ('server', '=', server.id),
                ('linkedid', 'in', list({l for l, _ in pops})),
                ('agent', '!=', None),
                ])
        count = 0
        for call in calls:
            if (call.answer_date and (now - call.answer_date).total_seconds()
                    > SCREEN_POP_SECONDS):
                continue
            call.screen_pop()
            count += 1
        return count

    def screen_pop(self):
        """Tell the agent who is calling, in the web client

        A notification on the bus (channel of that user only) and a
        res.notification whose action opens a new protocol prefilled with
        the caller's number and the requester found by it."""
        pool = Pool()
        Party = pool.get('party.party')
        Notification = pool.get('res.notification')
        ModelData = pool.get('ir.model.data')
        ActWindow = pool.get('ir.action.act_window')
        from trytond import bus
        requester = Party.find_requester(phone=self.caller) \
            if self.caller else None
        with Transaction().set_context(language=self.agent.language.code
                if self.agent.language else None):
            title = gettext('see_telefonia.msg_screen_pop_title',
                number=self.caller or self.caller_name or '?')
            body = gettext('see_telefonia.msg_screen_pop_body',
                requester=requester.rec_name if requester
                else gettext('see_telefonia.msg_screen_pop_unknown'),
                queue=self.queue.rec_name if self.queue else '')
        bus.notify(title, body, priority=2, user=self.agent.id)
        action = ActWindow(ModelData.get_id(
                'see_telefonia', 'act_protocol_from_call'))
        with without_check_access():
            Notification.create([{
                        'user': self.agent.id,
                        'label': title,
                        'description': body,
                        'icon': 'tryton-notification',
                        'action': action.action.id,
                        'action_value': json.dumps({
                                'pyson_context': PYSONEncoder().encode({
                                        'see_call': self.id,
                                        }),
                                }),
                        }])
        return requester

    # Jobs -----------------------------------------------------------------

    @classmethod
    def reconcile(cls):
        "Close calls left open (their hangup was never seen)"
        pool = Pool()
        Server = pool.get('see.ami.server')
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        for server in Server.search([]):
            limit = dt.datetime.now() - dt.timedelta(
                hours=server.open_call_hours)
            cursor.execute(*table.update(
                    [table.hangup_date, table.closed_by],
                    [Coalesce(table.last_event_date, table.arrival_date),
                        'reconcile'],
                    where=(table.server == server.id)
                    & (table.hangup_date == Null)
                    & (Coalesce(table.last_event_date, table.arrival_date)
                        < limit),
                    returning=[table.id]))
            ids = {r[0] for r in cursor}
            cls.compute(server, ids)

    @classmethod
    def import_queue_log(cls, server, lines):
        """Fill in or correct calls from Asterisk's queue_log

        lines are the lines of the file (or rows of the table joined by
        "|"); return the ids of the calls touched."""
        cls._check_backend()
        settings = server.settings()
        result = ami_events.Result()
        for line in lines:
            parsed = ami_events.queue_log_events(line, settings)
            if not parsed:
                continue
            linkedid, values = parsed
            result.merge(linkedid, values)
        ids = cls._merge(server, result.calls)
        cls._merge_agents(server, result)
        cls.compute(server, ids)
        return sorted(ids)

    @classmethod
    def archive_recordings(cls, date=None):
        """Write the archive of the recordings of the previous month

        One zip per month, entries named by protocol number (the call's
        Linkedid without protocol) in YYYY/MM/DD folders (3.1.1.10)."""
        date = date or dt.date.today()
        first = (date.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        end = date.replace(day=1)
        calls = cls.search([
                ('arrival_date', '>=', dt.datetime.combine(first, dt.time())),
                ('arrival_date', '<', dt.datetime.combine(end, dt.time())),
                ('recording', '!=', None),
                ], order=[('arrival_date', 'ASC')])
        folder = archive_path()
        os.makedirs(folder, exist_ok=True)
        name = os.path.join(folder, 'gravacoes-%s.zip' % first.strftime(
                '%Y-%m'))
        missing = 0
        with zipfile.ZipFile(name + '.part', 'w',
                zipfile.ZIP_STORED) as archive:
            used = set()
            for call in calls:
                path = call.recording_path()
                if not path:
                    missing += 1
                    continue
                ext = os.path.splitext(path)[1]
                label = (call.protocol.number if call.protocol
                    else call.linkedid)
                entry = '%s/%s%s' % (
                    call.arrival_date.strftime('%Y/%m/%d'), label, ext)
                n = 1
                while entry in used:
                    n += 1
                    entry = '%s/%s-%d%s' % (
                        call.arrival_date.strftime('%Y/%m/%d'), label, n, ext)
                used.add(entry)
                archive.write(path, entry)
        os.replace(name + '.part', name)
        if missing:
            logger.warning("%d recordings of %s not found", missing,
                first.strftime('%Y-%m'))
        return name

    # Statistics -----------------------------------------------------------

    @classmethod
    def counts(cls, start, end, wait_seconds=60, short_abandon_seconds=5,
            exclude_short_abandons=True, channel_table=None):
        """Return the phone counts of calls arrived in [start, end)

        received: inbound calls; human: calls received by the operators
        (answered, plus abandons in queue after the short abandon limit
        when exclude_short_abandons is not set); registered: of those
        answered, the ones with a protocol; offered: calls that entered a
        queue; answered_in_time: answered within wait_seconds in queue;
        abandoned_after: abandoned in queue after wait_seconds;
        abandoned: of the calls offered_counted counts, the abandoned."""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        answered = table.disposition.in_(list(ANSWERED))
        abandoned = table.disposition.in_(list(ABANDONED))
        queued = table.queue_date != Null
        wait = Coalesce(table.wait_seconds, 0)
        short = abandoned & (wait < short_abandon_seconds)

        def count(condition):
            return Sum(Case((condition, 1), else_=0))
        human = answered
        if not exclude_short_abandons:
            human = answered | (abandoned & ~short)
        cursor.execute(*table.select(
                count(Literal(True)),
                count(answered),
                count(answered & (table.protocol != Null)),
                count(queued),
                count((queued & ~short) if exclude_short_abandons
                    else queued),
                count(answered & queued & (wait <= wait_seconds)),
                count(abandoned & (wait > wait_seconds)),
                count((queued & abandoned & ~short)
                    if exclude_short_abandons else (queued & abandoned)),
                count(human),
                where=(table.direction == 'inbound')
                & (table.arrival_date >= start) & (table.arrival_date < end)
                & (table.disposition != 'in_progress')))
        names = ['received', 'answered', 'registered', 'offered',
            'offered_counted', 'answered_in_time', 'abandoned_after',
            'abandoned', 'human']
        return dict(zip(names, (v or 0 for v in cursor.fetchone())))


class CallStatisticsContext(ModelView):
    __string__ = "Call Statistics Context"
    __name__ = 'see.call.statistics.context'

    from_date = fields.Date("From Date", required=True)
    to_date = fields.Date("To Date", required=True)

    @classmethod
    def default_from_date(cls):
        return dt.date.today().replace(day=1)

    @classmethod
    def default_to_date(cls):
        return dt.date.today()


class CallStatistics(ModelSQL, ModelView):
    "Calls per queue, agent, trunk and hour (Annex D 3), by SQL aggregates"
    __string__ = "Call Statistics"
    __name__ = 'see.call.statistics'

    queue = fields.Many2One('see.telephony.queue', "Queue")
    agent = fields.Many2One('res.user', "Agent")
    trunk = fields.Char("Trunk")
    hour = fields.Integer("Hour")
    received = fields.Integer("Received")
    answered = fields.Integer("Answered")
    answered_60 = fields.Integer(
        "Answered within 60 s", help="In the queue (INS).")
    abandoned = fields.Integer("Abandoned")
    abandoned_60 = fields.Integer("Abandoned after 60 s")
    abandoned_short = fields.Integer("Abandoned before 5 s")
    human = fields.Integer(
        "Received by Operators",
        help="IAR's denominator: answered calls; abandons before 5 s "
        "are not counted.")
    registered = fields.Integer("With Protocol")
    tma = fields.Float("TMA (s)", digits=(16, 0))
    tma_over = fields.Integer(
        "Over 4 min 30 s", help="Answered calls talking longer.")
    ivr_average = fields.Float("IVR Average (s)", digits=(16, 0))
    ivr_over = fields.Integer("IVR over 60 s")
    wait_average = fields.Float("Wait Average (s)", digits=(16, 0))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('hour', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Call = pool.get('see.call')
        call = Call.__table__()
        context = Transaction().context
        today = dt.date.today()
        from_date = context.get('from_date') or today.replace(day=1)
        to_date = context.get('to_date') or today
        start = dt.datetime.combine(from_date, dt.time())
        end = dt.datetime.combine(to_date + dt.timedelta(days=1), dt.time())
        answered = call.disposition.in_(list(ANSWERED))
        abandoned = call.disposition.in_(list(ABANDONED))
        wait = Coalesce(call.wait_seconds, 0)

        def count(condition):
            return Sum(Case((condition, 1), else_=0))
        hour = Extract('HOUR', call.arrival_date)
        return call.select(
            Min(call.id).as_('id'),
            call.queue, call.agent, call.trunk,
            hour.as_('hour'),
            Count(call.id).as_('received'),
            count(answered).as_('answered'),
            count(answered & (call.queue_date != Null) & (wait <= 60)
                ).as_('answered_60'),
            count(abandoned).as_('abandoned'),
            count(abandoned & (wait > 60)).as_('abandoned_60'),
            count(abandoned & (wait < 5)).as_('abandoned_short'),
            count(answered).as_('human'),
            count(answered & (call.protocol != Null)).as_('registered'),
            Avg(Case((answered, call.talk_seconds))).as_('tma'),
            count(answered & (call.talk_seconds > 270)).as_('tma_over'),
            Avg(call.ivr_seconds).as_('ivr_average'),
            count(call.ivr_seconds > 60).as_('ivr_over'),
            Avg(Case((call.queue_date != Null, call.wait_seconds))
                ).as_('wait_average'),
            Literal(0).as_('create_uid'),
            Min(call.create_date).as_('create_date'),
            cls.write_uid.sql_cast(Null).as_('write_uid'),
            cls.write_date.sql_cast(Null).as_('write_date'),
            where=(call.arrival_date >= start) & (call.arrival_date < end)
            & (call.direction == 'inbound'),
            group_by=[call.queue, call.agent, call.trunk, hour])


class QueuePanel(ModelSQL, ModelView):
    "Supervisor's live view of the queues (Annex D 2.10)"
    __string__ = "Queue Panel"
    __name__ = 'see.telephony.panel.queue'

    queue = fields.Many2One('see.telephony.queue', "Queue")
    waiting = fields.Integer("Waiting")
    longest_wait = fields.Integer("Longest Wait (s)")
    received = fields.Integer("Received Today")
    answered = fields.Integer("Answered Today")
    service_level = fields.Float(
        "Service Level (%)", digits=(16, 1),
        help="Answered within the queue's target over answered and "
        "abandoned after 5 s, today.")
    abandoned = fields.Integer("Abandoned Today")
    in_call = fields.Integer("In Call")

    @classmethod
    def table_query(cls):
        pool = Pool()
        Call = pool.get('see.call')
        Queue = pool.get('see.telephony.queue')
        call = Call.__table__()
        queue = Queue.__table__()
        now = dt.datetime.now()
        today = dt.datetime.combine(dt.date.today(), dt.time())
        waiting = ((call.hangup_date == Null) & (call.queue_date != Null)
            & (call.queue_exit_date == Null) & (call.answer_date == Null))
        answered = call.disposition.in_(list(ANSWERED))
        abandoned = call.disposition.in_(list(ABANDONED))
        wait = Coalesce(call.wait_seconds, 0)

        def count(condition):
            return Sum(Case((condition, 1), else_=0))
        in_time = count(answered & (wait <= queue.target_seconds))
        counted = count(answered | (abandoned & (wait >= 5)))
        return queue.join(call, 'LEFT',
            condition=(call.queue == queue.id)
            & (Coalesce(call.queue_date, call.arrival_date) >= today)
            ).select(
            queue.id.as_('id'),
            queue.id.as_('queue'),
            count(waiting).as_('waiting'),
            Coalesce(Extract('EPOCH', Literal(now) - Min(
                        Case((waiting, call.queue_date)))), 0
                ).cast('INTEGER').as_('longest_wait'),
            Count(call.id).as_('received'),
            count(answered).as_('answered'),
            Case((counted > 0, in_time * 100.0 / counted),
                else_=Null).as_('service_level'),
            count(abandoned).as_('abandoned'),
            count((call.hangup_date == Null) & (call.answer_date != Null)
                ).as_('in_call'),
            Literal(0).as_('create_uid'),
            cls.create_date.sql_cast(Literal(now)).as_('create_date'),
            cls.write_uid.sql_cast(Null).as_('write_uid'),
            cls.write_date.sql_cast(Null).as_('write_date'),
            where=queue.active == Literal(True),
            group_by=[queue.id])


class ImportQueueLogStart(ModelView):
    __string__ = "Import Queue Log"
    __name__ = 'see.call.import_queue_log.start'

    server = fields.Many2One('see.ami.server', "AMI Server", required=True)
    file = fields.Binary("File", required=True, filename='filename',
        help="Asterisk's queue_log (/var/log/asterisk/queue_log) or an "
        "export of its table with the columns separated by \"|\".")
    filename = fields.Char("File Name")

    @classmethod
    def default_server(cls):
        pool = Pool()
        Server = pool.get('see.ami.server')
        servers = Server.search([], limit=2)
        if len(servers) == 1:
            return servers[0].id


class ImportQueueLog(Wizard):
    """Rebuild or correct calls from the PBX's queue_log

    Used when the connector was down: a month's figures can be computed
    again from Asterisk's own log.  Importing the same file again changes
    nothing more."""
    __string__ = "Import Queue Log"
    __name__ = 'see.call.import_queue_log'

    start = StateView('see.call.import_queue_log.start',
        'see_telefonia.import_queue_log_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Import", 'import_', 'tryton-import', default=True),
            ])
    import_ = StateAction('see_telefonia.act_call')

    def do_import_(self, action):
        pool = Pool()
        Call = pool.get('see.call')
        data = self.start.file
        if isinstance(data, str):
            data = data.encode('utf-8')
        lines = bytes(data).decode('utf-8', 'replace').splitlines()
        with without_check_access():
            ids = Call.import_queue_log(self.start.server, lines)
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', 'in', ids)])
        action['name'] += ' (%s)' % (self.start.filename or 'queue_log')
        return action, {}

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
import json
import logging
import os
import zipfile

from sql import Literal, Null
from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce

from trytond import backend, config
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.modules.see_atendimento.shown import (
    ShownIdentityMixin, shown_field)
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder
from trytond.tools import safe_join
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateAction, StateView, Wizard

from . import events as ami_events
from . import store
from .ami import to_local, to_utc
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
# Screen pops are only sent for answers this recent (not for replays)
SCREEN_POP_SECONDS = 120


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


class Call(ServerReadonly, ShownIdentityMixin, ModelSQL, ModelView):
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
    _shown_kinds = {'caller': 'phone'}
    caller_shown = shown_field("Caller", 'phone')
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
                logger.warning("skipped malformed event (%s): %s",
                    error, ami_events.loggable(event))
                skipped += 1
                continue
            if not handled:
                logger.debug("skipped unknown event: %s",
                    ami_events.loggable(event))
        ids = cls._merge(server, result.calls)
        ids |= cls._close_cdr(server, result.cdrs, result.calls)
        if result.live is not None:
            ids |= cls._close_missing(server, result.live,
                getattr(result, 'resync_date', None))
        cls._merge_agents(server, result)
        ids |= cls._store_surveys(server, result.surveys)
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
    def _merge(cls, server, patches, fill=False):
        """Insert or merge the patches of calls in one statement

        With fill (an import from a file), the patches only fill what
        the calls lack."""
        if not patches:
            return set()
        cursor = Transaction().connection.cursor()
        cursor.execute(*store.merge_calls(cls.__table__(), server.id,
                Transaction().user, patches, fill=fill))
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
        cursor.execute(*store.close_by_cdr(cls.__table__(), server.id, cdrs))
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
        agents = dict(result.agents)
        for patch in result.calls.values():
            if patch.get('agent_interface'):
                agents.setdefault(patch['agent_interface'], {})
        if not agents:
            return
        cursor = Transaction().connection.cursor()
        cursor.execute(*store.merge_agents(Agent.__table__(), server.id,
                Transaction().user, agents))

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
        user = Transaction().user
        # Queues seen for the first time are created, to be described later
        cursor.execute(*store.create_queues(Queue.__table__(),
                cls.__table__(), user, ids))
        new_queues = [r[0] for r in cursor]
        if new_queues:
            Queue._insert_history(new_queues)
        # One statement: queue, agent, seconds and disposition
        cursor.execute(*store.compute_calls(cls.__table__(),
                Queue.__table__(), Agent.__table__(), user, ids,
                server.short_call_seconds, server.short_abandon_seconds,
                server.long_abandon_seconds))
        cls._insert_history(ids)

    @classmethod
    def _store_surveys(cls, server, surveys):
        "The scores on the calls already stored; return their ids"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        ids = set()
        for linkedid, score in surveys:
            cursor.execute(*table.update([table.survey_score], [score],
                    where=(table.server == server.id)
                    & (table.linkedid == linkedid),
                    returning=[table.id]))
            ids.update(r[0] for r in cursor)
        return ids

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
        member = server.member_interfaces()
        for line in lines:
            parsed = ami_events.queue_log_events(line, settings, member)
            if not parsed:
                continue
            linkedid, values = parsed
            result.merge(linkedid, values)
        # The file fills what the AMI did not see; its agents are the
        # known ones (no agent is created from a name in a file)
        ids = cls._merge(server, result.calls, fill=True)
        cls.compute(server, ids)
        return sorted(ids)

    @classmethod
    def archive_recordings(cls, date=None):
        """Write the archive of the recordings of the previous month

        One zip per month, entries named by protocol number (the call's
        Linkedid without protocol) in YYYY/MM/DD folders (3.1.1.10); the
        months and days are those of the agency's time zone.  Run every
        day by the scheduled task: the month is archived the first time
        it runs in the next month (day 1, so by the 5th business day) and
        the next days only when that run failed."""
        pool = Pool()
        Server = pool.get('see.ami.server')
        zone = Server.agency_zone()
        date = date or to_local(dt.datetime.now(), zone).date()
        first = (date.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        end = date.replace(day=1)
        folder = archive_path()
        os.makedirs(folder, exist_ok=True)
        name = os.path.join(folder, 'gravacoes-%s.zip' % first.strftime(
                '%Y-%m'))
        if os.path.exists(name):
            return name
        calls = cls.search([
                ('arrival_date', '>=',
                    to_utc(dt.datetime.combine(first, dt.time()), zone)),
                ('arrival_date', '<',
                    to_utc(dt.datetime.combine(end, dt.time()), zone)),
                ('recording', '!=', None),
                ], order=[('arrival_date', 'ASC')])
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
                day = to_local(call.arrival_date, zone).strftime('%Y/%m/%d')
                entry = '%s/%s%s' % (day, label, ext)
                n = 1
                while entry in used:
                    n += 1
                    entry = '%s/%s-%d%s' % (day, label, n, ext)
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

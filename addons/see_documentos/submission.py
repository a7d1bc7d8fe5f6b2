# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
import secrets
from email.message import EmailMessage
from email.utils import formataddr

from trytond import config
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.sendmail import send_message_transactional
from trytond.transaction import Transaction
from trytond.modules.see_atendimento.integrity import ServerReadonly

from .exceptions import SubmissionError
from trytond.model.exceptions import AccessError

STATES = [
    ('draft', "Awaiting the Citizen"),
    ('submitted', "In the Review Queue"),
    ('in_review', "In Review"),
    ('returned', "Returned to the Citizen"),
    ('approved', "Approved"),
    ('cancelled', "Cancelled"),
    ]
# States in which the citizen may send files
UPLOAD_STATES = {'draft', 'returned'}
# The citizens' language: their pages and e-mails are in Portuguese
CITIZEN_LANGUAGE = 'pt'


def service_time(calendar, start, end):
    """The time between the UTC naive datetimes start and end that falls
    in the service hours of calendar (every hour without one)"""
    if end <= start:
        return dt.timedelta(0)
    if not calendar:
        return end - start
    day = dt.timedelta(days=1)
    total = dt.timedelta(0)
    for opens, closes in calendar.service_intervals(
            calendar.local_date(start) - day, calendar.local_date(end)):
        low, high = max(opens, start), min(closes, end)
        if high > low:
            total += high - low
    return total


class Submission(ServerReadonly, Workflow, ModelSQL, ModelView):
    """A citizen's documents for a protocol, reviewed as one task

    The citizen sends the files through the page of the submission's
    private link (its token); the task then waits in the review queue
    until a reviewer claims it; only that reviewer decides on its
    documents. Rejected documents go back to the citizen, whose
    replacements make a new review cycle."""
    __string__ = "Document Submission"
    __name__ = 'see.document.submission'
    _history = True

    _created = {'readonly': Eval('id', -1) >= 0}

    protocol = fields.Many2One(
        'see.protocol', "Protocol", required=True, ondelete='RESTRICT',
        states=_created)
    checklist = fields.Many2One(
        'see.document.checklist', "Checklist", required=True,
        ondelete='RESTRICT', states=_created)
    origin = fields.Reference(
        "Origin", selection='get_origin', states=_created,
        help="The record the submission was asked from, an appointment "
        "for example, when it is not the protocol alone.")
    email = fields.Char(
        "Citizen's E-mail", states={
            'readonly': ~Eval('state').in_(['draft', 'submitted',
                        'in_review', 'returned']),
            },
        help="Where the citizen is told of returned and approved "
        "documents.")
    token = fields.Char(
        "Access Token", readonly=True,
        help="The secret of the citizen's private link.")
    link = fields.Function(
        fields.Char("Citizen's Link",
            help="Give it to the citizen: it opens the page where the "
            "documents are sent and the review's result is shown."),
        'get_link')
    documents = fields.One2Many(
        'see.document', 'submission', "Documents", readonly=True)
    reviewer = fields.Many2One(
        'res.user', "Reviewer", readonly=True, ondelete='RESTRICT')
    mine = fields.Function(
        fields.Boolean("Claimed by Me"), 'get_mine', searcher='search_mine')
    cycle = fields.Integer(
        "Review Cycle", readonly=True,
        help="How many times the documents were sent to review.")
    submit_date = fields.DateTime("First Submitted", readonly=True)
    queue_date = fields.DateTime(
        "In the Queue Since", readonly=True,
        help="When the documents last entered the review queue.")
    first_review_date = fields.DateTime("First Reviewed", readonly=True)
    review_date = fields.DateTime("Last Reviewed", readonly=True)
    review_time = fields.Function(
        fields.TimeDelta("Time to First Review",
            help="In the checklist calendar's service hours, from the "
            "first submission to the first review, or to now while "
            "waiting."),
        'get_review_time')
    review_late = fields.Function(
        fields.Boolean("Over the Target"), 'get_review_time')
    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    del _created

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('token_unique', Unique(t, t.token),
                'see_documentos.msg_submission_token_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.state, Index.Equality(cardinality='low')),
                    (t.queue_date, Index.Range())),
                Index(t, (t.reviewer, Index.Equality()),
                    (t.state, Index.Equality(cardinality='low'))),
                Index(t, (t.protocol, Index.Equality())),
                })
        cls._order = [('queue_date', 'ASC NULLS LAST'), ('id', 'ASC')]
        cls._transitions |= {
            ('draft', 'submitted'),
            ('returned', 'submitted'),
            ('submitted', 'in_review'),
            ('in_review', 'submitted'),
            ('in_review', 'returned'),
            ('in_review', 'approved'),
            ('draft', 'cancelled'),
            ('submitted', 'cancelled'),
            ('returned', 'cancelled'),
            }
        cls._buttons.update({
                'claim': {
                    'invisible': Eval('state') != 'submitted',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'release': {
                    'invisible': Eval('state') != 'in_review',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'conclude': {
                    'invisible': Eval('state') != 'in_review',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'submitted', 'returned']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })
        cls.__rpc__['next_task'] = RPC(readonly=False,
            result=lambda s: s.id if s else None)

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_cycle(cls):
        return 0

    @classmethod
    def _get_origin(cls):
        """The models a submission may come from; see_agendamento adds its
        appointment here (through [register see_agendamento])"""
        return []

    @classmethod
    def get_origin(cls):
        pool = Pool()
        IrModel = pool.get('ir.model')
        models = cls._get_origin()
        return [(None, '')] + [
            (m, IrModel.get_name(m)) for m in models]

    def get_rec_name(self, name):
        return '%s - %s' % (self.protocol.rec_name, self.checklist.rec_name)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        bool_op = 'AND' if operator.startswith('!') else 'OR'
        return [bool_op,
            ('protocol.rec_name', *clause[1:]),
            ('checklist.rec_name', *clause[1:]),
            ]

    def get_mine(self, name):
        return bool(self.reviewer) and self.reviewer.id == Transaction().user

    @classmethod
    def search_mine(cls, name, clause):
        _, operator, value = clause[:3]
        mine = (operator == '=') == bool(value)
        return [('reviewer', '=' if mine else '!=', Transaction().user)]

    @classmethod
    def get_review_time(cls, submissions, names):
        now = dt.datetime.now()
        result = {n: {} for n in names}
        for submission in submissions:
            if submission.submit_date:
                elapsed = service_time(
                    submission.checklist.calendar, submission.submit_date,
                    submission.first_review_date or now)
                late = elapsed > submission.checklist.review_target
            else:
                elapsed, late = None, False
            if 'review_time' in result:
                result['review_time'][submission.id] = elapsed
            if 'review_late' in result:
                result['review_late'][submission.id] = late
        return result

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            values['token'] = secrets.token_urlsafe(32)
        return values

    @classmethod
    def validate_fields(cls, submissions, field_names):
        super().validate_fields(submissions, field_names)
        if field_names and not field_names & {'protocol', 'checklist'}:
            return
        for submission in submissions:
            service = submission.protocol.service
            if service and service != submission.checklist.service:
                raise SubmissionError(gettext(
                        'see_documentos.msg_submission_service',
                        checklist=submission.checklist.rec_name,
                        service=service.rec_name))

    @classmethod
    def copy(cls, submissions, default=None):
        if submissions:
            raise SubmissionError(gettext(
                    'see_documentos.msg_submission_copy'))
        return []

    @classmethod
    def check_modification(
            cls, mode, submissions, values=None, external=False):
        super().check_modification(
            mode, submissions, values=values, external=external)
        if mode == 'delete' and external:
            for submission in submissions:
                if submission.state != 'draft' or submission.documents:
                    raise SubmissionError(gettext(
                            'see_documentos.msg_submission_delete',
                            submission=submission.rec_name))

    def current_documents(self):
        "The documents of the submission not replaced by a newer file"
        return [d for d in self.documents if d.state != 'replaced']

    def missing_items(self):
        "The required items without a current file"
        sent = {d.item for d in self.current_documents()}
        return [i for i in self.checklist.required_items if i not in sent]

    # Citizen's side ------------------------------------------------------

    @classmethod
    def from_token(cls, token):
        "The submission of a private link's token, or None"
        if not isinstance(token, str) or not 20 <= len(token) <= 64:
            return None
        submissions = cls.search([('token', '=', token)], limit=1)
        if submissions and secrets.compare_digest(
                submissions[0].token, token):
            return submissions[0]
        return None

    def upload(self, item, filename, data):
        """Store the citizen's file for item, replacing the file the item
        had if it may be replaced; return the new document"""
        pool = Pool()
        Document = pool.get('see.document')
        if self.state not in UPLOAD_STATES:
            raise SubmissionError(gettext(
                    'see_documentos.msg_upload_state',
                    state=self.state_string))
        if item not in self.checklist.items:
            raise SubmissionError(gettext(
                    'see_documentos.msg_upload_item'))
        previous = [d for d in self.current_documents() if d.item == item]
        for document in previous:
            if document.state == 'approved':
                raise SubmissionError(gettext(
                        'see_documentos.msg_upload_approved',
                        item=item.rec_name))
        document, = Document.create([{
                    'submission': self.id,
                    'item': item.id,
                    'file': data,
                    'filename': filename,
                    'cycle': self.cycle + 1,
                    }])
        if previous:
            Document.replace(previous)
        return document

    @classmethod
    @Workflow.transition('submitted')
    def submit(cls, submissions):
        "The citizen sends the files to review"
        now = dt.datetime.now()
        for submission in submissions:
            missing = submission.missing_items()
            if missing:
                raise SubmissionError(gettext(
                        'see_documentos.msg_submit_missing',
                        items=', '.join(i.rec_name for i in missing)))
            waiting = [d for d in submission.current_documents()
                if d.state == 'rejected']
            if waiting:
                raise SubmissionError(gettext(
                        'see_documentos.msg_submit_rejected',
                        items=', '.join(d.item.rec_name for d in waiting)))
            submission.submit_date = submission.submit_date or now
            submission.queue_date = now
            submission.cycle += 1
            submission.reviewer = None
        cls.save(submissions)

    # Reviewer's side -----------------------------------------------------

    @classmethod
    def _lock(cls, submissions):
        """Write the rows first: two reviewers claiming the same task at
        once are serialized, the later then finding it claimed"""
        if not submissions:
            return
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.write_date], [table.write_date],
                where=table.id.in_([s.id for s in submissions])))

    @classmethod
    @ModelView.button
    def claim(cls, submissions):
        cls._lock(submissions)
        for submission in cls.browse([s.id for s in submissions]):
            if submission.state != 'submitted':
                raise SubmissionError(gettext(
                        'see_documentos.msg_claim_taken',
                        submission=submission.rec_name,
                        reviewer=submission.reviewer.rec_name
                        if submission.reviewer else '-'))
        cls._claim(submissions, Transaction().user)

    @classmethod
    @Workflow.transition('in_review')
    def _claim(cls, submissions, user):
        for submission in submissions:
            submission.reviewer = user
        cls.save(submissions)

    @classmethod
    def next_task(cls):
        "Claim the oldest task of the queue the user may see"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        reviewers = {ModelData.get_id('see_documentos', name) for name in [
                'group_reviewer', 'group_review_supervisor']}
        if Transaction().user and not reviewers & set(User.get_groups()):
            raise AccessError(gettext('see_documentos.msg_not_reviewer'))
        for submission in cls.search(
                [('state', '=', 'submitted')], limit=5):
            try:
                cls.claim([submission])
            except SubmissionError:
                continue
            return submission
        return None

    @classmethod
    def check_reviewer(cls, submissions):
        "Only the reviewer who claimed a task decides on it"
        # The processes (user 0) may; buttons run without the access
        # check, so the user is what tells a reviewer's call
        user = Transaction().user
        if not user:
            return
        for submission in submissions:
            if submission.state != 'in_review' or (
                    not submission.reviewer
                    or submission.reviewer.id != user):
                raise SubmissionError(gettext(
                        'see_documentos.msg_not_claimed',
                        submission=submission.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def release(cls, submissions):
        "Give the task back to the queue"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        supervisor = ModelData.get_id(
            'see_documentos', 'group_review_supervisor')
        if (Transaction().user
                and supervisor not in User.get_groups()):
            cls.check_reviewer(submissions)
        for submission in submissions:
            submission.reviewer = None
        cls.save(submissions)

    @classmethod
    @ModelView.button
    def conclude(cls, submissions):
        """End the review: every current document decided, the task is
        approved if all are approved, else returned to the citizen"""
        cls.check_reviewer(submissions)
        approved, returned = [], []
        for submission in submissions:
            documents = submission.current_documents()
            pending = [d for d in documents if d.state == 'pending']
            if pending:
                raise SubmissionError(gettext(
                        'see_documentos.msg_conclude_pending',
                        items=', '.join(d.item.rec_name for d in pending)))
            if any(d.state == 'rejected' for d in documents):
                returned.append(submission)
            else:
                approved.append(submission)
        now = dt.datetime.now()
        for submission in submissions:
            submission.first_review_date = (
                submission.first_review_date or now)
            submission.review_date = now
        cls.save(submissions)
        cls.return_(returned)
        cls.approve(approved)

    @classmethod
    @Workflow.transition('returned')
    def return_(cls, submissions):
        for submission in submissions:
            submission.notify('returned')

    @classmethod
    @Workflow.transition('approved')
    def approve(cls, submissions):
        for submission in submissions:
            submission.notify('approved')

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, submissions):
        pass

    # Notification --------------------------------------------------------

    def get_link(self, name):
        "The citizen's private link to the submission's page"
        base = config.get('see_documentos', 'public_url', default='')
        return '%s/see_documentos/%s/envio/%s' % (
            base.rstrip('/'), Transaction().database.name, self.token)

    def notify(self, kind):
        "E-mail the citizen that the documents were returned or approved"
        if not self.email:
            return
        with Transaction().set_context(language=CITIZEN_LANGUAGE):
            submission = self.__class__(self.id)
            message = submission._email_message(kind)
        # Not strict: a mail server down must not undo the review; the
        # failure is logged by trytond
        send_message_transactional(message)

    def _email_message(self, kind):
        lines = []
        if kind == 'returned':
            for document in self.current_documents():
                if document.state != 'rejected':
                    continue
                lines.append(gettext(
                        'see_documentos.msg_email_rejected_line',
                        item=document.item.rec_name,
                        reason=document.rejection_reason.rec_name,
                        page=document.problem_page or '-',
                        note=document.rejection_note or ''))
        body = gettext(
            'see_documentos.msg_email_%s_body' % kind,
            protocol=self.protocol.rec_name,
            checklist=self.checklist.rec_name,
            documents='\n'.join(lines), link=self.get_link('link'))
        message = EmailMessage()
        message['Subject'] = gettext(
            'see_documentos.msg_email_%s_subject' % kind,
            protocol=self.protocol.rec_name)
        message['From'] = config.get('email', 'from')
        message['To'] = formataddr(
            (self.protocol.requester_name or '', self.email))
        message.set_content(body)
        return message

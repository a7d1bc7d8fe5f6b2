# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
import re

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction
from trytond.modules.see_atendimento.integrity import ServerReadonly

from .content import FORMATS, ContentRefused, inspect
from .exceptions import DocumentContentError, DocumentReviewError

# A marked region: left, top, width and height as fractions of the page
REGION = re.compile(r'^\s*([0-9.]+)\s*,\s*([0-9.]+)\s*,'
    r'\s*([0-9.]+)\s*,\s*([0-9.]+)\s*$')
# The names a citizen's file may have: no path, no control character
FILENAME = re.compile(r'^[^/\\\x00-\x1f]{1,200}$')


def parse_region(value):
    "Return (left, top, width, height) of a region text or None if invalid"
    match = REGION.match(value or '')
    if not match:
        return None
    try:
        left, top, width, height = (float(g) for g in match.groups())
    except ValueError:
        return None
    if (width <= 0 or height <= 0 or left < 0 or top < 0
            or left + width > 1.0001 or top + height > 1.0001):
        return None
    return left, top, width, height


class Document(ServerReadonly, Workflow, ModelSQL, ModelView):
    """A file a citizen sent for an item of a checklist

    The content is checked when the file is stored, by the upload process
    only; the reviewer who claimed the submission approves or rejects it
    with a reason, a note and where the problem is (page and region)."""
    __string__ = "Submitted Document"
    __name__ = 'see.document'
    _rec_name = 'filename'
    _history = True

    _pending = {'readonly': Eval('state') != 'pending'}

    submission = fields.Many2One(
        'see.document.submission', "Submission", required=True,
        ondelete='CASCADE', readonly=True)
    item = fields.Many2One(
        'see.document.checklist.item', "Document", required=True,
        ondelete='RESTRICT', readonly=True)
    file = fields.Binary(
        "File", filename='filename', file_id='file_id', readonly=True)
    file_id = fields.Char("File ID", readonly=True)
    filename = fields.Char("File Name", readonly=True)
    format = fields.Selection(
        FORMATS, "Format", readonly=True,
        help="Read from the file's content.")
    mimetype = fields.Char("Media Type", readonly=True)
    size = fields.Integer("Size (bytes)", readonly=True)
    pages = fields.Integer("Pages", readonly=True)
    sha256 = fields.Char("SHA-256", readonly=True)
    cycle = fields.Integer(
        "Review Cycle", readonly=True,
        help="The review cycle of the submission the file was sent for.")
    upload_date = fields.DateTime("Sent", readonly=True)
    validity_date = fields.Date(
        "Valid Until", states=_pending,
        help="Until when the document is valid, as the reviewer reads it.")
    rejection_reason = fields.Many2One(
        'see.document.rejection.reason', "Rejection Reason",
        ondelete='RESTRICT', states=_pending)
    rejection_note = fields.Text("Note to the Citizen", states=_pending)
    problem_page = fields.Integer(
        "Page of the Problem", states=_pending,
        help="The page where the problem is; leave empty for the whole "
        "document.")
    problem_region = fields.Char(
        "Marked Region", states=_pending,
        help="The rectangle marked on the page: left, top, width and "
        "height as fractions of the page, e.g. 0.1,0.2,0.5,0.1.")
    reviewed_by = fields.Many2One(
        'res.user', "Reviewed By", readonly=True, ondelete='RESTRICT')
    review_date = fields.DateTime("Reviewed", readonly=True)
    state = fields.Selection([
            ('pending', "Awaiting Review"),
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ('replaced', "Replaced"),
            ], "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    del _pending

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.submission, Index.Equality()),
                    (t.state, Index.Equality(cardinality='low'))),
                Index(t, (t.sha256, Index.Equality())),
                })
        cls._order = [('submission', 'DESC'), ('item', 'ASC'),
            ('id', 'DESC')]
        cls._transitions |= {
            ('pending', 'approved'),
            ('pending', 'rejected'),
            ('approved', 'pending'),
            ('rejected', 'pending'),
            ('pending', 'replaced'),
            ('rejected', 'replaced'),
            }
        cls._buttons.update({
                'approve': {
                    'invisible': Eval('state') != 'pending',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'pending',
                    'readonly': ~Bool(Eval('rejection_reason')),
                    'icon': 'tryton-cancel',
                    'depends': ['state', 'rejection_reason'],
                    },
                'reset': {
                    'invisible': ~Eval('state').in_(
                        ['approved', 'rejected']),
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                })
        cls.__rpc__['review'] = RPC(readonly=False, instantiate=0)

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def preprocess_values(cls, mode, values):
        "Check the content of a new file against its checklist item"
        pool = Pool()
        Item = pool.get('see.document.checklist.item')
        values = super().preprocess_values(mode, values)
        if mode != 'create':
            return values
        item = Item(values['item'])
        filename = values.get('filename') or ''
        if not FILENAME.match(filename):
            raise DocumentContentError(gettext(
                    'see_documentos.msg_document_filename'))
        data = values.get('file') or b''
        try:
            inspection = inspect(bytes(data))
        except ContentRefused as refused:
            raise DocumentContentError(gettext(
                    'see_documentos.msg_document_content',
                    filename=filename, kind=refused.args[0],
                    item=item.rec_name,
                    formats=cls._formats_text(item.formats)))
        if inspection.format not in item.formats:
            raise DocumentContentError(gettext(
                    'see_documentos.msg_document_content',
                    filename=filename, kind=inspection.format.upper(),
                    item=item.rec_name,
                    formats=cls._formats_text(item.formats)))
        if inspection.size > item.max_size * 1024:
            raise DocumentContentError(gettext(
                    'see_documentos.msg_document_size',
                    filename=filename, item=item.rec_name,
                    size=(inspection.size + 1023) // 1024,
                    max_size=item.max_size))
        if item.max_pages and inspection.pages > item.max_pages:
            raise DocumentContentError(gettext(
                    'see_documentos.msg_document_pages',
                    filename=filename, item=item.rec_name,
                    pages=inspection.pages, max_pages=item.max_pages))
        values.update({
                'format': inspection.format,
                'mimetype': inspection.mimetype,
                'size': inspection.size,
                'pages': inspection.pages,
                'sha256': inspection.sha256,
                'upload_date': dt.datetime.now(),
                })
        return values

    @classmethod
    def _formats_text(cls, formats):
        names = dict(FORMATS)
        return ', '.join(names[f] for f in formats)

    @classmethod
    def validate_fields(cls, documents, field_names):
        super().validate_fields(documents, field_names)
        if field_names and not field_names & {
                'problem_page', 'problem_region'}:
            return
        for document in documents:
            if document.problem_page is not None and not (
                    1 <= document.problem_page <= (document.pages or 1)):
                raise DocumentReviewError(gettext(
                        'see_documentos.msg_document_page',
                        page=document.problem_page,
                        pages=document.pages,
                        document=document.rec_name))
            if (document.problem_region
                    and parse_region(document.problem_region) is None):
                raise DocumentReviewError(gettext(
                        'see_documentos.msg_document_region',
                        document=document.rec_name))

    @classmethod
    def copy(cls, documents, default=None):
        if documents:
            raise DocumentReviewError(gettext(
                    'see_documentos.msg_document_copy'))
        return []

    @classmethod
    def check_modification(cls, mode, documents, values=None, external=False):
        super().check_modification(
            mode, documents, values=values, external=external)
        if mode == 'delete' and external:
            raise DocumentReviewError(gettext(
                    'see_documentos.msg_document_delete'))
        if mode == 'write' and external:
            Submission = Pool().get('see.document.submission')
            Submission.check_reviewer(list({d.submission for d in documents}))

    @property
    def region(self):
        return parse_region(self.problem_region)

    # Review --------------------------------------------------------------

    @classmethod
    def _decide(cls, documents):
        pool = Pool()
        Submission = pool.get('see.document.submission')
        Submission.check_reviewer(list({d.submission for d in documents}))
        for document in documents:
            document.reviewed_by = Transaction().user or None
            document.review_date = dt.datetime.now()

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, documents):
        cls._decide(documents)
        for document in documents:
            if document.item.validity_required:
                if not document.validity_date:
                    raise DocumentReviewError(gettext(
                            'see_documentos.msg_document_validity',
                            document=document.rec_name,
                            item=document.item.rec_name))
                if document.validity_date < dt.date.today():
                    raise DocumentReviewError(gettext(
                            'see_documentos.msg_document_expired',
                            document=document.rec_name,
                            date=document.validity_date))
            document.rejection_reason = None
            document.problem_page = None
            document.problem_region = None
        cls.save(documents)

    @classmethod
    @ModelView.button
    @Workflow.transition('rejected')
    def reject(cls, documents):
        cls._decide(documents)
        for document in documents:
            if not document.rejection_reason:
                raise DocumentReviewError(gettext(
                        'see_documentos.msg_document_reason',
                        document=document.rec_name))
        cls.save(documents)

    @classmethod
    @ModelView.button
    @Workflow.transition('pending')
    def reset(cls, documents):
        "Take back a decision while the review is not concluded"
        cls._decide(documents)
        for document in documents:
            document.reviewed_by = None
            document.review_date = None
        cls.save(documents)

    @classmethod
    def review(cls, documents, decision, reason=None, note=None, page=None,
            region=None, validity_date=None):
        """Approve or reject documents in one call, with the reason and
        where the problem is: what the reviewer's page sends"""
        values = {'validity_date': validity_date}
        if decision == 'reject':
            values.update({
                    'rejection_reason': reason,
                    'rejection_note': note,
                    'problem_page': page,
                    'problem_region': region,
                    })
        elif decision != 'approve':
            raise DocumentReviewError(gettext(
                    'see_documentos.msg_document_decision'))
        cls.write(documents, values)
        documents = cls.browse(documents)
        if decision == 'reject':
            cls.reject(documents)
        else:
            cls.approve(documents)

    @classmethod
    @Workflow.transition('replaced')
    def replace(cls, documents):
        "The citizen sent another file for the same item"
        pass

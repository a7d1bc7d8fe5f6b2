# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""LGPD: the log of the reads of a submission's citizen data and of the
downloads of the documents, the retention of the documents' files

A rule deletes the files of the documents of decided submissions (approved
or cancelled); the document keeps its name, size, checksum, state and
review, the submission and every report figure stay. Documents are not
among what the contract keeps to its end (recordings and chat records,
items 3.1.1.9 and 3.1.2.11), so no contract blocks the rule."""
import logging

from trytond.i18n import gettext
from trytond.modules.see_atendimento.access_log import PersonalDataAccess
from trytond.modules.see_atendimento.anonymisation import (
    remove_stored_files)
from trytond.modules.see_atendimento.consent import NoticeConsent
from trytond.modules.see_atendimento.retention import RetentionKind
from trytond.modules.see_atendimento.subject_request import selection_text
from trytond.pool import Pool, PoolMeta

logger = logging.getLogger(__name__)


class Submission(NoticeConsent, PersonalDataAccess, metaclass=PoolMeta):
    __name__ = 'see.document.submission'
    _personal_fields = {'email'}


class Document(PersonalDataAccess, metaclass=PoolMeta):
    __name__ = 'see.document'
    _personal_downloads = {'file'}

    @classmethod
    def delete_files(cls, documents):
        "Remove the files of documents from the store and forget their ids"
        count = remove_stored_files(cls, 'file', [d.id for d in documents])
        logger.info("files of %s documents deleted", count)

    @classmethod
    def apply_retention(cls, documents, action):
        assert action == 'delete'
        cls.delete_files(documents)


class RetentionRule(metaclass=PoolMeta):
    __name__ = 'see.retention.rule'

    @classmethod
    def kinds(cls):
        Document = Pool().get('see.document')
        return super().kinds() + [
            RetentionKind('document_file',
                'see_documentos.msg_retention_kind_document_file',
                'see.document', 'upload_date', [
                    ('file_id', '!=', None),
                    ('submission.state', 'in', ['approved', 'cancelled']),
                    ], ('delete',), Document.apply_retention, (),
                hold='submission.protocol'),
            ]


class DataSubjectRequest(metaclass=PoolMeta):
    __name__ = 'see.data.subject.request'

    @classmethod
    def subject_sections(cls, identity):
        "The submissions of the person's protocols and their documents"
        Submission = Pool().get('see.document.submission')
        submissions = Submission.search([
                ('protocol', 'in', [p.id for p in identity.protocols]),
                ], order=[('id', 'ASC')])
        columns = [
            ('protocol', gettext('see_atendimento.msg_subject_number')),
            ('email', gettext('see_atendimento.msg_subject_email')),
            ('state', gettext('see_atendimento.msg_subject_state')),
            ('documents', gettext('see_atendimento.msg_subject_documents')),
            ]
        rows = [[s.protocol.number if s.protocol else None, s.email,
                selection_text(s, 'state'),
                ', '.join('%s (%s)' % (d.filename or '', selection_text(d, 'state'))
                    for d in s.documents)]
            for s in submissions]
        return super().subject_sections(identity) + [
            ('document_submissions',
                gettext('see_documentos.msg_subject_submissions'), columns,
                rows)]

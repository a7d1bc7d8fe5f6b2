# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The citizens' questions to the assistant, its answers and handoffs

Every question asked at a kiosk or in the webchat is logged with what the
assistant did: answered from an article (with its confidence) or handed
over. The citizen may then say the answer did not help or ask for a
person. The knowledge base team reads the questions left without a good
answer, grouped and counted (see.assistente.gap), to write the missing
articles."""
import datetime as dt
import hashlib
import re
import secrets

from sql import Literal, Null
from sql.aggregate import Count, Max, Min
from sql.conditionals import Case

from trytond import config
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from . import retrieval
from .exceptions import AssistantError

QUESTION_SIZE = 500
# The passages of the article shown in an answer
ANSWER_PASSAGES = 2
# The frequent questions offered by the pages
FREQUENT = 5
CHANNELS = [
    ('kiosk', "Kiosk"),
    ('webchat', "Webchat"),
    ]


def normalize(text):
    "The question as the team groups it: no accents, case nor punctuation"
    return ' '.join(re.findall(r'[a-z0-9]+', retrieval.fold(text)))[:200]


def hash_token(token):
    return hashlib.sha256((token or '').encode('utf-8')).hexdigest()


class Question(ServerReadonly, ModelSQL, ModelView):
    __string__ = "Assistant Question"
    __name__ = 'see.assistente.question'

    date = fields.DateTime("Date", required=True, readonly=True)
    channel = fields.Selection(
        CHANNELS, "Channel", required=True, readonly=True)
    question = fields.Text("Question", required=True, readonly=True)
    normalized = fields.Char("Normalized Question", readonly=True)
    answered = fields.Boolean(
        "Answered", readonly=True,
        help="The assistant was confident enough to answer.")
    article = fields.Many2One(
        'see.kb.article', "Article", readonly=True, ondelete='SET NULL',
        help="The article of the answer, or the closest one.")
    confidence = fields.Float("Confidence", digits=(1, 3), readonly=True)
    helpful = fields.Selection([
            (None, ""),
            ('yes', "Helped"),
            ('no', "Did Not Help"),
            ], "Citizen's Feedback", readonly=True)
    handed_over = fields.Boolean(
        "Handed Over", readonly=True,
        help="The citizen asked to talk to a person.")
    token_hash = fields.Char("Token Hash", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._sql_indexes.add(Index(t, (t.date, Index.Range())))

    @classmethod
    def default_answered(cls):
        return False

    @classmethod
    def default_handed_over(cls):
        return False

    @classmethod
    def _index(cls):
        return Pool().get('see.assistente.passage').index()

    @classmethod
    def _clean(cls, text):
        text = (text if isinstance(text, str) else '').strip()
        if not text:
            raise AssistantError(gettext(
                    'see_assistente.msg_question_empty'))
        if len(text) > QUESTION_SIZE:
            raise AssistantError(gettext(
                    'see_assistente.msg_question_size', size=QUESTION_SIZE))
        return text

    @classmethod
    def ask(cls, text, channel, url=None):
        """Answer the citizen's question text asked on channel, log it and
        return the answer for the page:

        {question, token, answered, confidence, article: {id, title, url}
        or None, passages: [text], related: [{id, title, url}]}

        url(article id) gives the link to the full article. Below the
        confidence threshold there is no article: the page offers the
        handoff (the closest article is logged for the team)."""
        pool = Pool()
        Article = pool.get('see.kb.article')
        text = cls._clean(text)
        if channel not in dict(CHANNELS):
            raise AssistantError(gettext('see_assistente.msg_channel'))
        index = cls._index()
        found = index.search(text, mode='fusion', limit=3)
        best = found[0] if found else None
        answered = bool(best) and best[2] >= retrieval.THRESHOLD
        token = secrets.token_urlsafe(24)
        question, = cls.create([{
                    'date': dt.datetime.now(),
                    'channel': channel,
                    'question': text,
                    'normalized': normalize(text),
                    'answered': answered,
                    'article': best[0] if best else None,
                    'confidence': round(best[2], 3) if best else None,
                    'token_hash': hash_token(token),
                    }])

        def link(article_id):
            article = Article(article_id)
            return {
                'id': article.id,
                'title': article.title,
                'url': url(article.id) if url else None,
                }
        result = {
            'question': question.id,
            'token': token,
            'answered': answered,
            'confidence': question.confidence,
            'article': None,
            'passages': [],
            'related': [],
            }
        if answered:
            result['article'] = link(best[0])
            # The best passages, as they come in the article
            result['passages'] = [index.paragraphs[i]
                for i in sorted(best[3][:ANSWER_PASSAGES])]
            result['related'] = [link(f[0]) for f in found[1:]
                if f[2] >= retrieval.THRESHOLD]
        return result

    @classmethod
    def forget_old(cls):
        """Delete the questions older than ``[see_assistente] question_days``
        (365): citizens may type their data in them (LGPD), and the team
        reads the recent ones"""
        days = config.getint('see_assistente', 'question_days', default=365)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.delete(where=table.date
                < dt.datetime.now() - dt.timedelta(days=days)))

    @classmethod
    def frequent(cls, limit=FREQUENT, days=30):
        """The titles of the published articles most often answered in the
        last days, for the pages to offer as frequent questions (never the
        citizens' own words, which may hold their data)"""
        pool = Pool()
        Article = pool.get('see.kb.article')
        question = cls.__table__()
        article = Article.__table__()
        cursor = Transaction().connection.cursor()
        since = dt.datetime.now() - dt.timedelta(days=days)
        cursor.execute(*question.join(article,
                condition=question.article == article.id
                ).select(article.title,
                where=(question.answered == Literal(True))
                & (question.date >= since)
                & (article.state == 'published'),
                group_by=[article.id, article.title],
                order_by=[Count(question.id).desc, article.title],
                limit=limit))
        return [title for title, in cursor]

    @classmethod
    def from_token(cls, question_id, token):
        "The question of the citizen holding token, or an error"
        if (isinstance(question_id, bool) or not isinstance(question_id, int)
                or not isinstance(token, str) or not token):
            raise AssistantError(gettext(
                    'see_assistente.msg_question_unknown'))
        questions = cls.search([
                ('id', '=', question_id),
                ('token_hash', '=', hash_token(token)),
                ], limit=1)
        if not questions:
            raise AssistantError(gettext(
                    'see_assistente.msg_question_unknown'))
        return questions[0]

    @classmethod
    def feedback(cls, question_id, token, helpful):
        "The citizen says whether the answer helped"
        question = cls.from_token(question_id, token)
        cls.write([question], {'helpful': 'yes' if helpful else 'no'})
        return question

    @classmethod
    def hand_over(cls, question_id, token):
        "The citizen asks for a person: the question follows them"
        question = cls.from_token(question_id, token)
        cls.write([question], {'handed_over': True})
        return question


class Gap(ModelSQL, ModelView):
    """The questions without a good answer, grouped as written (without
    accents, case nor punctuation) and counted: what the knowledge base
    team should write about"""
    __string__ = "Knowledge Base Gap"
    __name__ = 'see.assistente.gap'

    question = fields.Text("Question", readonly=True)
    count = fields.Integer("Times Asked", readonly=True)
    unanswered = fields.Integer(
        "Not Answered", readonly=True,
        help="Times the assistant was not confident enough to answer.")
    not_helpful = fields.Integer(
        "Did Not Help", readonly=True,
        help="Times the citizen said the answer did not help.")
    handed_over = fields.Integer("Handed Over", readonly=True)
    article = fields.Many2One(
        'see.kb.article', "Closest Article", readonly=True)
    last_date = fields.DateTime("Last Asked", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('count', 'DESC'), ('last_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Question = pool.get('see.assistente.question')
        question = Question.__table__()
        one = Literal(1)
        return question.select(
            Min(question.id).as_('id'),
            Literal(0).as_('create_uid'),
            Max(question.date).as_('create_date'),
            Literal(Null).as_('write_uid'),
            Literal(Null).as_('write_date'),
            Max(question.question).as_('question'),
            Count(question.id).as_('count'),
            Count(Case((question.answered == Literal(False), one))).as_(
                'unanswered'),
            Count(Case((question.helpful == 'no', one))).as_('not_helpful'),
            Count(Case((question.handed_over == Literal(True), one))).as_(
                'handed_over'),
            Max(question.article).as_('article'),
            Max(question.date).as_('last_date'),
            where=(question.answered == Literal(False))
            | (question.helpful == 'no')
            | (question.handed_over == Literal(True)),
            group_by=[question.normalized])


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('see.assistente.question|forget_old',
                "Forget Old Questions to the Assistant"))

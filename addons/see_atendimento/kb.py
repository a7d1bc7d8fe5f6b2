# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import logging
import re
import unicodedata

from sql import Literal
from sql.aggregate import Avg, Count
from sql.conditionals import Coalesce
from sql.functions import Function
from sql.operators import BinaryOperator, Concat, ILike

from trytond import backend
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .integrity import ServerReadonly

# Portuguese stemming without accents: agents type "matricula" for
# "matrícula"; a plain copy of the portuguese configuration where the
# unaccent extension cannot be created
FTS_CONFIG = 'see_portuguese'

logger = logging.getLogger(__name__)


class ToTsvector(Function):
    __slots__ = ()
    _function = 'TO_TSVECTOR'


class PlainToTsquery(Function):
    __slots__ = ()
    _function = 'PLAINTO_TSQUERY'


class TsRank(Function):
    __slots__ = ()
    _function = 'TS_RANK'


class Match(BinaryOperator):
    __slots__ = ()
    _operator = '@@'


def fold(text):
    "text without accents nor case, as agents type it"
    return ''.join(c for c in unicodedata.normalize('NFKD', text.lower())
        if not unicodedata.combining(c))


def split_words(text):
    "Return the words of a free text query"
    return [w for w in re.findall(r'\w+', text or '') if len(w) > 1]


class Article(ServerReadonly, Workflow, ModelSQL, ModelView):
    __string__ = "Knowledge Base Article"
    __name__ = 'see.kb.article'
    _rec_name = 'title'
    # An article is a document, longer than the free texts of attendances
    _text_sizes = {'body': 100000, 'keywords': 1000}
    _history = True

    _states = {'readonly': Eval('state') != 'draft'}

    title = fields.Char("Title", required=True, states=_states)
    services = fields.Many2Many(
        'see.kb.article-see.service', 'article', 'service', "Services",
        states=_states)
    body = fields.Text("Body", required=True, states=_states)
    keywords = fields.Char(
        "Keywords", states=_states,
        help="Words agents may use to find this article.")
    state = fields.Selection([
            ('draft', "Draft"),
            ('published', "Published"),
            ('archived', "Archived"),
            ], "State", readonly=True, required=True, sort=False)
    version = fields.Integer("Version", readonly=True, required=True)
    publication_date = fields.Date("Publication Date", readonly=True)
    produced_by = fields.Selection([
            ('contractor', "Contractor"),
            ('see', "SEE-PE"),
            ], "Produced By", required=True, states=_states,
        help="Only contents produced by the contractor count for QTBC.")
    ratings = fields.One2Many('see.kb.rating', 'article', "Ratings")
    rating_average = fields.Function(
        fields.Float("Average Rating", digits=(1, 2)), 'get_rating')
    rating_count = fields.Function(
        fields.Integer("Ratings"), 'get_rating')
    search_text = fields.Function(
        fields.Char("Search"), 'get_search_text',
        searcher='search_search_text')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('title', 'ASC'))
        cls._transitions |= {
            ('draft', 'published'),
            ('published', 'archived'),
            ('published', 'draft'),
            ('archived', 'draft'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': Eval('state') == 'draft',
                    'icon': 'tryton-undo',
                    'depends': ['state'],
                    },
                'publish': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'archive': {
                    'invisible': Eval('state') != 'published',
                    'icon': 'tryton-archive',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        if backend.name == 'postgresql':
            cursor = Transaction().connection.cursor()
            table = cls._table
            cls._create_text_search_configuration(cursor)
            # Full-text index on what agents search; the one of the plain
            # portuguese configuration it replaces is dropped
            cursor.execute(f'DROP INDEX IF EXISTS "{table}_fts_idx"')
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS "{table}_fts_unaccent_idx" '
                f'ON "{table}" USING GIN ('
                f"TO_TSVECTOR('{FTS_CONFIG}', "
                "COALESCE(title, '') || ' ' || COALESCE(keywords, '') "
                "|| ' ' || COALESCE(body, '')))")

    @staticmethod
    def _create_text_search_configuration(cursor):
        cursor.execute(
            'SELECT 1 FROM pg_ts_config WHERE cfgname = %s', (FTS_CONFIG,))
        if cursor.fetchone():
            return
        cursor.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent'")
        unaccent = bool(cursor.fetchone())
        if unaccent:
            cursor.execute('SAVEPOINT see_unaccent')
            try:
                # A trusted extension: the database owner may create it
                cursor.execute('CREATE EXTENSION IF NOT EXISTS unaccent')
            except Exception:
                cursor.execute('ROLLBACK TO SAVEPOINT see_unaccent')
                unaccent = False
            else:
                cursor.execute('RELEASE SAVEPOINT see_unaccent')
        if not unaccent:
            logger.warning("PostgreSQL's unaccent extension could not be "
                "created: the knowledge base search is accent sensitive")
        cursor.execute(f'CREATE TEXT SEARCH CONFIGURATION "{FTS_CONFIG}" '
            '(COPY = portuguese)')
        if unaccent:
            cursor.execute(f'ALTER TEXT SEARCH CONFIGURATION "{FTS_CONFIG}" '
                'ALTER MAPPING FOR hword, hword_part, word '
                'WITH unaccent, portuguese_stem')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_version(cls):
        return 0

    @classmethod
    def default_produced_by(cls):
        return 'contractor'

    @classmethod
    def get_rating(cls, articles, names):
        pool = Pool()
        Rating = pool.get('see.kb.rating')
        rating = Rating.__table__()
        cursor = Transaction().connection.cursor()
        result = {n: {a.id: None for a in articles} for n in names}
        if 'rating_count' in result:
            result['rating_count'] = {a.id: 0 for a in articles}
        cursor.execute(*rating.select(
                rating.article, Avg(rating.grade), Count(rating.id),
                where=rating.article.in_([a.id for a in articles]),
                group_by=[rating.article]))
        for article_id, average, count in cursor:
            if 'rating_average' in result:
                result['rating_average'][article_id] = (
                    float(average) if average is not None else None)
            if 'rating_count' in result:
                result['rating_count'][article_id] = count
        return result

    def get_search_text(self, name):
        return None

    @classmethod
    def search_rec_name(cls, name, clause):
        "Typing in a field of articles finds them by title or keywords"
        _, operator, *values = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('title', operator, *values),
            ('keywords', operator, *values),
            ]

    @classmethod
    def _document(cls, table, body=True):
        document = Coalesce(table.title, '')
        for column in [table.keywords] + ([table.body] if body else []):
            document = Concat(Concat(document, ' '), Coalesce(column, ''))
        return document

    @classmethod
    def _match_query(cls, table, text, body=True):
        """Return the SQL condition matching the words of text, in the
        whole article or (without body) in its title and keywords"""
        if backend.name == 'postgresql':
            return Match(
                ToTsvector(FTS_CONFIG, cls._document(table, body)),
                PlainToTsquery(FTS_CONFIG, text))
        condition = Literal(True)
        for word in split_words(text):
            condition &= ILike(cls._document(table, body), '%' + word + '%')
        return condition

    @classmethod
    def search_search_text(cls, name, clause):
        _, operator, value = clause[:3]
        table = cls.__table__()
        query = table.select(
            table.id, where=cls._match_query(table, value or ''))
        return [('id', 'in', query)]

    @classmethod
    def find(cls, text, service=None, limit=10):
        """Return published articles matching text, best first

        An article is about what its title and keywords say: when some
        match, an article that only mentions the words in its body (the
        auxílio's article speaks of the "comprovação de matrícula") is not
        suggested. The body is searched when no title or keyword matches."""
        pool = Pool()
        ArticleService = pool.get('see.kb.article-see.service')
        if not split_words(text):
            return []
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        published = table.state == 'published'
        if backend.name == 'sqlite':
            ids = cls._find_unaccented(text)
        else:
            ids = None
        where = published & cls._match_query(table, text, body=False)
        if ids is not None:
            where = published & table.id.in_(ids or [-1])
        else:
            cursor.execute(*table.select(table.id, where=where, limit=1))
            if not cursor.fetchone():
                where = published & cls._match_query(table, text)
        if backend.name == 'postgresql':
            rank = TsRank(
                ToTsvector(FTS_CONFIG, cls._document(table)),
                PlainToTsquery(FTS_CONFIG, text))
        else:
            rank = Literal(0)
        order_by = [rank.desc, table.title]
        if service:
            relation = ArticleService.__table__()
            boost = relation.select(
                relation.article, where=relation.service == int(service))
            order_by.insert(0, table.id.in_(boost).desc)
        cursor.execute(*table.select(
                table.id, where=where, order_by=order_by, limit=limit))
        ids = [r[0] for r in cursor]
        # Honour record rules of the requesting user
        allowed = {a.id for a in cls.search([('id', 'in', ids)])}
        return [cls(i) for i in ids if i in allowed]

    @classmethod
    def _find_unaccented(cls, text):
        """The ids of the published articles whose title and keywords (or,
        when none matches, body) have every word of text, ignoring accents
        and case: SQLite (the demo) has no unaccented search"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                table.id, table.title, table.keywords, table.body,
                where=table.state == 'published'))
        words = [fold(w) for w in split_words(text)]
        rows = list(cursor)

        def matching(texts):
            return [r[0] for r in rows
                if all(w in fold(' '.join(filter(None, texts(r))))
                    for w in words)]
        return (matching(lambda r: r[1:3])
            or matching(lambda r: r[1:4]))

    @classmethod
    def copy(cls, articles, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', 'draft')
        default.setdefault('version', 0)
        default.setdefault('publication_date', None)
        default.setdefault('ratings', None)
        return super().copy(articles, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, articles):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('published')
    def publish(cls, articles):
        pool = Pool()
        Date = pool.get('ir.date')
        today = Date.today()
        for article in articles:
            article.version = (article.version or 0) + 1
            article.publication_date = today
        cls.save(articles)

    @classmethod
    @ModelView.button
    @Workflow.transition('archived')
    def archive(cls, articles):
        pass


class ArticleService(ModelSQL):
    __string__ = "Knowledge Base Article - Service"
    __name__ = 'see.kb.article-see.service'

    article = fields.Many2One(
        'see.kb.article', "Article", required=True, ondelete='CASCADE')
    service = fields.Many2One(
        'see.service', "Service", required=True, ondelete='CASCADE')


class Rating(ServerReadonly, ModelSQL, ModelView):
    __string__ = "Knowledge Base Rating"
    __name__ = 'see.kb.rating'
    # The grades are QTBC's figure: who gave which, and any change, is kept
    _history = True

    article = fields.Many2One(
        'see.kb.article', "Article", required=True, ondelete='CASCADE')
    grade = fields.Integer(
        "Grade", required=True,
        domain=[('grade', '>=', 1), ('grade', '<=', 5)],
        help="SEE-PE's grade of the content, from 1 to 5 (QTBC).")
    date = fields.Date("Date", required=True)
    rated_by = fields.Many2One(
        'res.user', "Rated By", required=True, readonly=True)
    comment = fields.Text("Comment")
    article_produced_by = fields.Function(
        fields.Selection('get_produced_by_selection', "Produced By"),
        'on_change_with_article_produced_by')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'DESC'))

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_rated_by(cls):
        return Transaction().user

    @classmethod
    def get_produced_by_selection(cls):
        Article = Pool().get('see.kb.article')
        return Article.fields_get(['produced_by'])['produced_by']['selection']

    @fields.depends('article', '_parent_article.produced_by')
    def on_change_with_article_produced_by(self, name=None):
        return self.article.produced_by if self.article else None

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            # The grade's author is whoever records it
            values['rated_by'] = Transaction().user
        return values

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt

from trytond.modules.see_assistente import retrieval
from trytond.modules.see_assistente.exceptions import AssistantError
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class AssistenteTestCase(ModuleTestCase):
    "Test see_assistente module"
    module = 'see_assistente'

    def test_tokens_ignore_accents_case_and_plurals(self):
        "Citizens write without accents, in capitals, in the plural"
        self.assertEqual(retrieval.tokens("MATRÍCULA"),
            retrieval.tokens("matricula"))
        self.assertEqual(retrieval.tokens("transferências"),
            retrieval.tokens("transferencia"))
        self.assertEqual(retrieval.tokens("documentos"),
            retrieval.tokens("Documento"))
        self.assertEqual(retrieval.tokens("como eu faço a de"), [])

    def test_passages_are_paragraphs(self):
        self.assertEqual(retrieval.split_passages("Um.\n\n  \nDois.\n\nTrês."),
            ["Um.", "Dois.", "Três."])
        self.assertEqual(retrieval.split_passages(""), [''])

    def _article(self, title, body, keywords=None):
        Article = Pool().get('see.kb.article')
        article, = Article.create([{
                    'title': title,
                    'body': body,
                    'keywords': keywords,
                    }])
        return article

    @with_transaction()
    def test_index_follows_publication(self):
        "Publishing indexes an article, archiving and deleting forget it"
        pool = Pool()
        Article = pool.get('see.kb.article')
        Passage = pool.get('see.assistente.passage')
        Question = pool.get('see.assistente.question')
        article = self._article("Passe Livre: cartão perdido",
            "Peça a segunda via do cartão na escola.\n\n"
            "O bloqueio é feito no mesmo dia.", "passe livre segunda via")
        self.assertEqual(len(Passage.index()), 0)
        Article.publish([article])
        self.assertEqual(Passage.search([('article', '=', article.id)],
                count=True), 2)
        answer = Question.ask("perdi meu cartao do passe livre", 'kiosk')
        self.assertTrue(answer['answered'])
        self.assertEqual(answer['article']['id'], article.id)
        self.assertIn("segunda via", answer['passages'][0])
        # Offered as a frequent question: the article's title
        self.assertEqual(Question.frequent(), [article.title])

        Article.archive([article])
        self.assertEqual(Passage.search([], count=True), 0)
        answer = Question.ask("perdi meu cartao do passe livre", 'kiosk')
        self.assertFalse(answer['answered'])
        self.assertIsNone(answer['article'])
        self.assertEqual(Question.frequent(), [])

        Article.draft([article])
        Article.write([article], {'body': "Outro texto."})
        Article.publish([article])
        self.assertEqual(Passage.search([('article', '=', article.id)],
                count=True), 1)
        Article.draft([article])
        Article.delete([article])
        self.assertEqual(Passage.search([], count=True), 0)

    @with_transaction()
    def test_question_log_and_feedback(self):
        "Questions are logged; only the token's holder gives feedback"
        pool = Pool()
        Question = pool.get('see.assistente.question')
        Gap = pool.get('see.assistente.gap')
        with self.assertRaises(AssistantError):
            Question.ask("   ", 'kiosk')
        with self.assertRaises(AssistantError):
            Question.ask("x" * 501, 'kiosk')
        with self.assertRaises(AssistantError):
            Question.ask("ola", 'phone')
        first = Question.ask("Qual o valor do IPVA?", 'webchat')
        second = Question.ask("qual o valor do ipva", 'kiosk')
        self.assertFalse(first['answered'])
        with self.assertRaises(AssistantError):
            Question.hand_over(first['question'], second['token'])
        Question.hand_over(first['question'], first['token'])
        Question.feedback(second['question'], second['token'], False)
        gap, = Gap.search([])
        self.assertEqual((gap.count, gap.unanswered, gap.handed_over,
                gap.not_helpful), (2, 2, 1, 1))

        # A year later the questions are forgotten
        Question.write(Question.search([]), {
                'date': dt.datetime.now() - dt.timedelta(days=366)})
        Question.ask("qual o valor do ipva", 'kiosk')
        Question.forget_old()
        self.assertEqual(Question.search([], count=True), 1)

    @with_transaction()
    def test_agent_suggestions(self):
        "The protocol's description brings the articles that answer it"
        pool = Pool()
        Article = pool.get('see.kb.article')
        enrolment = self._article("Documentos para a matrícula",
            "Leve certidão de nascimento, CPF e comprovante de residência.",
            "documentos matrícula")
        free_pass = self._article("Passe Livre: como pedir",
            "O cadastro do Passe Livre é feito na secretaria da escola.",
            "passe livre cartão")
        Article.publish([enrolment, free_pass])
        suggestions = Article.assistant_suggest(
            "Cidadã quer saber que documentos levar pra matricular o filho")
        self.assertEqual(suggestions[0]['id'], enrolment.id)
        self.assertIn("certidão", suggestions[0]['passage'])
        self.assertEqual(Article.assistant_suggest(""), [])


del ModuleTestCase

# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""What agents, the second level and administrators read on their screens
(issue #18): each test fails if its defect came back."""
import datetime as dt
import unittest

from trytond.model.exceptions import ValidationError
from trytond.modules.see_atendimento.escalation import human_duration
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction


class InterfaceTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('see_atendimento')

    def catalog(self):
        pool = Pool()
        Unit = pool.get('see.unit')
        Service = pool.get('see.service')
        unit, = Unit.create([{'name': "Gerência de Matrícula", 'code': 'GM'}])
        matricula, auxilio = Service.create([
                {'name': "Matrícula", 'code': 'MAT', 'unit': unit.id},
                {'name': "PE no Campus", 'code': 'PEC', 'unit': unit.id},
                ])
        return matricula, auxilio

    def articles(self):
        pool = Pool()
        Article = pool.get('see.kb.article')
        matricula, auxilio = self.catalog()
        articles = Article.create([{
                    'title': "Matrícula de alunos novatos",
                    'keywords': "matrícula novato calendário",
                    'body': "A matrícula é feita em duas etapas.",
                    'services': [('add', [matricula.id])],
                    }, {
                    'title': "Documentos necessários",
                    'keywords': "documentos MATRICULA certidão",
                    'body': "Certidão, CPF e comprovante de residência.",
                    }, {
                    'title': "PE no Campus: pagamento do auxílio",
                    'keywords': "auxílio pagamento atraso",
                    'body': "Atrasos decorrem de pendência na comprovação "
                    "de matrícula do semestre.",
                    'services': [('add', [auxilio.id])],
                    }])
        Article.publish(articles)
        return articles

    @with_transaction()
    def test_article_display_name_and_typing(self):
        "Articles show their title and typing their words finds them"
        pool = Pool()
        Article = pool.get('see.kb.article')
        novatos, documentos, auxilio = self.articles()
        self.assertEqual(novatos.rec_name, "Matrícula de alunos novatos")
        found = Article.search([('rec_name', 'ilike', '%novatos%')])
        self.assertEqual(found, [novatos])
        # By keyword too, as the agent remembers it
        found = Article.search([('rec_name', 'ilike', '%certidão%')])
        self.assertEqual(found, [documentos])
        self.assertEqual(
            {a for a in Article.search(
                    [('rec_name', 'not ilike', '%auxílio%')])},
            {novatos, documentos})

    @with_transaction()
    def test_suggestions_about_the_words(self):
        """The suggestions for "matrícula" are the articles about it, with
        or without accent or capitals, not one that mentions it in passing"""
        pool = Pool()
        Article = pool.get('see.kb.article')
        novatos, documentos, auxilio = self.articles()
        for text in ["matrícula", "matricula", "MATRÍCULA", "Matricula"]:
            with self.subTest(text=text):
                self.assertEqual(
                    set(Article.find(text)), {novatos, documentos})
        # The body is searched when no title or keyword speaks of it
        self.assertEqual(Article.find("semestre"), [auxilio])

    @with_transaction()
    def test_survey_score_scale(self):
        "A score off the 0–10 scale is refused naming the field and scale"
        pool = Pool()
        Protocol = pool.get('see.protocol')
        matricula, _ = self.catalog()
        protocol, = Protocol.create([{
                    'requester_name': "Ana", 'service': matricula.id,
                    'requester_phone': "(81) 98765-4321",
                    }])
        with Transaction().set_context(language='en'):
            with self.assertRaises(ValidationError) as context:
                Protocol.set_survey([protocol], 11)
        message = context.exception.message
        self.assertIn('"Survey Score"', message)
        self.assertIn("from 0 to 10", message)
        self.assertNotIn('<=', message)
        Protocol.set_survey([protocol], 10)
        self.assertEqual(protocol.survey_score, 10)

    @with_transaction()
    def test_in_attendance_tab_without_drafts(self):
        "The tab In Attendance lists attendances in course, not drafts"
        pool = Pool()
        Protocol = pool.get('see.protocol')
        ActionDomain = pool.get('ir.action.act_window.domain')
        ModelData = pool.get('ir.model.data')
        matricula, _ = self.catalog()
        draft, attending = Protocol.create([{
                    'requester_name': name, 'service': matricula.id,
                    'requester_phone': "(81) 98765-4321",
                    } for name in ["Rascunho", "Em curso"]])
        Protocol.start([attending])
        tabs = {t.id: t for t in ActionDomain.search([
                    ('act_window', '=', ModelData.get_id(
                            'see_atendimento', 'act_protocol_form'))])}
        for fs_id, expected in [
                ('act_protocol_form_domain_1', [attending]),
                ('act_protocol_form_domain_draft', [draft]),
                ]:
            tab = tabs[ModelData.get_id('see_atendimento', fs_id)]
            with self.subTest(tab=tab.name):
                self.assertEqual(
                    Protocol.search(eval_domain(tab)),
                    expected)

    @with_transaction()
    def test_phone_and_cpf_as_people_read_them(self):
        """The form shows (81) 98765-4321 and 529.982.247-25; the protocol
        stores E.164 and digits as before"""
        pool = Pool()
        Protocol = pool.get('see.protocol')
        Classification = pool.get('see.classification')
        matricula, _ = self.catalog()
        protocol, = Protocol.create([{
                    'requester_name': "Ana", 'service': matricula.id,
                    'requester_phone_shown': "81 98765 4321",
                    'requester_cpf_shown': "52998224725",
                    }])
        self.assertEqual(
            (protocol.requester_phone, protocol.requester_cpf),
            ('+5581987654321', '52998224725'))
        self.assertEqual(
            (protocol.requester_phone_shown, protocol.requester_cpf_shown),
            ("(81) 98765-4321", "529.982.247-25"))
        self.assertTrue(protocol.requester)
        for clause in [
                ('requester_phone_shown', '=', "(81) 98765-4321"),
                ('requester_cpf_shown', '=', "529.982.247-25"),
                ('requester_phone_shown', 'ilike', "%98765%"),
                ]:
            with self.subTest(clause=clause):
                self.assertEqual(Protocol.search([clause]), [protocol])
        # A client that sends both fields (proteus sends every field it
        # has, the shown one empty) keeps the stored one
        other, = Protocol.create([{
                    'requester_name': "Bia", 'requester_phone': "81987650000",
                    'requester_phone_shown': None,
                    'requester_cpf': "52998224725",
                    'requester_cpf_shown': None,
                    }])
        self.assertEqual((other.requester_phone, other.requester_cpf),
            ('+5581987650000', '52998224725'))
        Protocol.write([other], {'requester_phone_shown': "(81) 3333-4444"})
        self.assertEqual(other.requester_phone, '+558133334444')
        # Typed in the form later, it finds the requester's party too
        later, = Protocol.create([{'requester_name': "Caio"}])
        self.assertFalse(later.requester)
        Protocol.write([later], {'requester_phone_shown': "(81) 3333-5555"})
        self.assertEqual(later.requester.name, "Caio")
        # Choosing the party fills what it has, formatted, and only that
        form = Protocol()
        form.requester = later.requester
        form.on_change_requester()
        self.assertEqual(form.requester_phone_shown, "(81) 3333-5555")
        self.assertEqual(form.requester_phone, '+558133335555')
        self.assertFalse(getattr(form, 'requester_cpf_shown', None))
        # The form's change shows the number formatted at once
        form = Protocol()
        form.requester_phone_shown = "+55 81 3333 4444"
        form.on_change_requester_phone_shown()
        self.assertEqual(form.requester_phone_shown, "(81) 3333-4444")
        self.assertEqual(form.requester_phone, '+558133334444')

        protocol.classification, = Classification.search([], limit=1)
        protocol.description = "Dúvida"
        protocol.save()
        Protocol.start([protocol])
        escalation, = Protocol.escalate_to_see([protocol], "Pergunta?")
        self.assertEqual(escalation.requester_phone, "(81) 98765-4321")
        self.assertEqual(escalation.channel, 'telefone')
        # Refused as the stored field is (the request is rolled back)
        with self.assertRaises(ValidationError):
            Protocol.write([Protocol(protocol.id)],
                {'requester_phone_shown': "123"})

    @with_transaction()
    def test_escalation_channel_and_age(self):
        "The escalation shows the channel's label and its age in words"
        pool = Pool()
        Escalation = pool.get('see.protocol.escalation')
        field = Escalation.fields_get(['channel'])['channel']
        self.assertEqual(field['type'], 'selection')
        self.assertIn(('telefone', "Phone"), field['selection'])
        self.assertEqual(Escalation.fields_get(
                ['age_text'])['age_text']['type'], 'char')
        for delta, text in [
                (dt.timedelta(seconds=8.365107), "< 1 min"),
                (dt.timedelta(minutes=8, seconds=30), "8 min"),
                (dt.timedelta(hours=5, minutes=12), "5 h 12 min"),
                (dt.timedelta(days=2, hours=3, minutes=4), "2 d 3 h"),
                (dt.timedelta(days=1), "1 d"),
                ]:
            with self.subTest(delta=delta):
                self.assertEqual(human_duration(delta), text)

    @with_transaction()
    def test_no_configuration_wizard(self):
        """The administrator's first login opens the menu: the module
        configuration wizard has no open item once the module is active"""
        pool = Pool()
        Item = pool.get('ir.module.config_wizard.item')
        self.assertTrue(Item.search([]))
        self.assertEqual(Item.search([('state', '=', 'open')]), [])


def eval_domain(tab):
    from trytond.pyson import PYSONDecoder
    return PYSONDecoder({}).decode(tab.domain)


class WebClientLocaleTestCase(unittest.TestCase):
    "The web client's Brazilian Portuguese, derived from sao's European"

    def test_brazilian_from_european(self):
        import json
        from pathlib import Path

        from trytond.modules.see_atendimento.web_client import (
            FOLDER, brazilian_locale)
        european = {
            '': {},
            'Open related records': [None, "Abrir registos relacionados"],
            'Save': [None, "Gravar"],
            'Email...': [None, "Email..."],
            'Preferences...': [None, ""],
            '%1 record saved': [None, "Registo salvo", "Registos salvos"],
            }
        changes = json.loads(
            (Path(FOLDER) / 'pt_BR.json').read_text(encoding='utf-8'))
        brazilian = brazilian_locale(european, changes)
        self.assertEqual(brazilian[''], {})
        self.assertEqual(brazilian['Open related records'],
            [None, "Abrir registros relacionados"])
        self.assertEqual(brazilian['Save'], [None, "Salvar"])
        self.assertEqual(brazilian['Email...'], [None, "E-mail..."])
        self.assertEqual(
            brazilian['Preferences...'], [None, "Preferências..."])
        # sao's file is not changed
        self.assertEqual(european['Save'], [None, "Gravar"])

    def test_favicon_is_an_icon(self):
        from pathlib import Path

        from trytond.modules.see_atendimento.web_client import FOLDER, ico
        png = (Path(FOLDER) / 'icon.png').read_bytes()
        data = ico(png)
        self.assertEqual(data[:6], b'\0\0\1\0\1\0')
        self.assertEqual(data[22:], png)

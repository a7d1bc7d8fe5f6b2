#!/usr/bin/env python3
# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Create or refresh the demo database of the Central de Atendimento SEE.

Run by `make demo` before the server starts. It:

1. starts the demo's own PostgreSQL cluster under var/postgres (created on
   first run, reused after; scripts/pgcluster.py), or uses the server of
   --uri, or SQLite files under var/ with --sqlite; creates the database
   when it does not exist and initialises it without asking anything (the
   admin password comes from SEE_DEMO_ADMIN_PASSWORD or a printed default);
2. activates (or updates) every module found in `addons/*/tryton.cfg`, all
   at once so that Tryton resolves their dependency order, and loads the
   Portuguese (`pt`) translations;
3. loads the demo data through the trytond API: SEE-PE units, services,
   knowledge base articles and their ratings, one user per role (language
   Portuguese) and a few dozen protocols in every state, with escalations in
   every state, spread over the last four weeks; the webchat ones through the
   chat, with their conversations.

Running it again updates the modules and resets the demo passwords but never
duplicates data: every record is looked up by its natural key first and the
protocols are only created when the demo agents have none.

With --serve it then serves the web client (trytond) until interrupted, and
stops the cluster it started when the server stops.
"""
import argparse
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'scripts'))
import pgcluster  # noqa: E402

DEFAULT_CONFIG = ROOT / 'config' / 'demo.conf'
DEFAULT_CLUSTER = ROOT / 'var' / 'postgres'
DEFAULT_ADMIN_PASSWORD = 'admin-demo'
URL = 'http://127.0.0.1:8000'

# --------------------------------------------------------------------------
# Demo data (Portuguese: it is what the users read)

UNITS = [
    # code, name, e-mail
    ('GAC', "Gerência de Atendimento ao Cidadão", 'atendimento@see-pe.example'),
    ('GMAT', "Gerência de Matrícula e Rede Escolar", 'matricula@see-pe.example'),
    ('GES', "Gerência de Educação Superior e Programas Estudantis",
        'programas@see-pe.example'),
    ('GTE', "Gerência de Transporte Escolar", 'transporte@see-pe.example'),
    ('GRI', "Gerência de Relações Internacionais", 'internacional@see-pe.example'),
    ('GDOC', "Gerência de Documentação Escolar", 'documentacao@see-pe.example'),
    ('OUV', "Ouvidoria da SEE-PE", 'ouvidoria@see-pe.example'),
    ]

SERVICES = [
    # code, name, kind, unit code, description
    ('MATRICULA', "Matrícula", 'especial', 'GMAT',
        "Matrícula de alunos novatos e renovação de matrícula na rede "
        "estadual (período especial a partir de novembro)."),
    ('TRANSFERENCIA', "Transferência Escolar", 'rotineiro', 'GMAT',
        "Transferência de estudantes entre escolas da rede estadual e de "
        "outras redes."),
    ('PECAMPUS', "PE no Campus", 'especial', 'GES',
        "Programa de auxílio a estudantes egressos da rede estadual "
        "matriculados no ensino superior."),
    ('PASSELIVRE', "Passe Livre Estudantil", 'rotineiro', 'GTE',
        "Gratuidade no transporte público para estudantes da rede estadual."),
    ('GANHEMUNDO', "Ganhe o Mundo", 'especial', 'GRI',
        "Programa de intercâmbio internacional para estudantes da rede "
        "estadual."),
    ('DOCUMENTOS', "Histórico e Declarações Escolares", 'rotineiro', 'GDOC',
        "Emissão e validação de históricos, declarações e certificados de "
        "conclusão."),
    ('EJA', "Educação de Jovens e Adultos", 'rotineiro', 'GMAT',
        "Matrícula e informações sobre turmas de EJA."),
    ('OUVIDORIA', "Ouvidoria e Denúncias", 'rotineiro', 'OUV',
        "Registro de reclamações, denúncias e sugestões sobre as escolas."),
    ]

# The in-person service site: its services with their ticket prefixes, its
# desks (services served, agent on duty) and today's tickets (service,
# priority, name, CPF), the first seven of which the demo moves on
SITE = {
    # Open at any hour so that the demo issues tickets whenever it runs
    'calendar': "Demonstração — aberto todos os dias, 24 horas, sem feriados",
    'name': "Unidade de Atendimento Recife Centro",
    'code': 'REC',
    'address': "Av. Afonso Olindense, 1513 — Várzea, Recife — PE",
    'services': [('MATRICULA', 'MAT'), ('DOCUMENTOS', 'DOC'),
        ('PASSELIVRE', 'PAS')],
    'desks': [
        ("Guichê 1", ['MATRICULA', 'DOCUMENTOS'], 'atendente'),
        ("Guichê 2", ['PASSELIVRE', 'DOCUMENTOS'], 'atendente2'),
        ("Guichê 3", ['MATRICULA', 'DOCUMENTOS', 'PASSELIVRE'],
            'atendente3'),
        ],
    'tickets': [
        ('MATRICULA', None, "Rosa Maria Tavares", '529.982.247-25'),
        ('MATRICULA', 'IDOSO80', None, None),
        ('DOCUMENTOS', 'IDOSO60', "José Alves", None),
        ('MATRICULA', None, None, None),
        ('DOCUMENTOS', 'GESTANTE', "Luana Pires", '111.444.777-35'),
        ('PASSELIVRE', None, "Caio Rocha", None),
        ('PASSELIVRE', None, None, None),
        ('MATRICULA', None, None, None),
        ('MATRICULA', 'PCD', None, None),
        ('PASSELIVRE', None, "Vera Lúcia", None),
        ('DOCUMENTOS', None, None, None),
        ],
    # The site's devices: name, kind, desk of a tablet
    'devices': [
        ("Totem da entrada", 'kiosk', None),
        ("Painel de chamadas da recepção (TV)", 'panel', None),
        ("Tablet de avaliação do Guichê 1", 'tablet', "Guichê 1"),
        ],
    }
# The pages the demo serves: label, path after the database, module
STAFF_PAGES = [
    ("Quadro de escalonamentos (Unidade Gestora)", 'see_atendimento/board',
        'see_atendimento'),
    ("Painel de telefonia (supervisor)", 'see_telefonia/panel',
        'see_telefonia'),
    ("Console do webchat (atendente)", 'see_webchat/console', 'see_webchat'),
    ("Webchat do cidadão", 'see_webchat/', 'see_webchat'),
    ("Console do guichê (atendente presencial)", 'see_presencial/console',
        'see_presencial'),
    ("Painel da unidade (supervisor da unidade)", 'see_presencial/unit',
        'see_presencial'),
    ("Análise de documentos (analista)", 'see_documentos/revisao',
        'see_documentos'),
    ("Agendamento do cidadão", 'see_agendamento/book', 'see_agendamento'),
    ]
# The document checklists: service, name, items (name, formats, pages,
# required)
CHECKLISTS = [
    ('MATRICULA', "Documentos da matrícula", [
            ("Documento de identidade do estudante", ['pdf', 'png', 'jpeg'],
                2, True),
            ("Comprovante de residência", ['pdf'], 1, True),
            ("Histórico escolar", ['pdf'], 5, True),
            ("Laudo médico (estudante com deficiência)", ['pdf'], 10,
                False),
            ]),
    ('PASSELIVRE', "Documentos do Passe Livre", [
            ("Declaração de matrícula", ['pdf'], 1, True),
            ("Foto 3x4", ['png', 'jpeg'], None, True),
            ]),
    ]
DEVICE_PAGES = {
    'kiosk': "Totem de senhas",
    'panel': "Painel de chamadas (TV)",
    'tablet': "Tablet de avaliação",
    }

ARTICLES = [
    # title, service codes, keywords, produced by, final state, body
    ("Matrícula de alunos novatos: calendário e etapas", ['MATRICULA'],
        "matrícula novato calendário prazo pré-matrícula portal",
        'contractor', 'published',
        "A matrícula de alunos novatos na rede estadual é feita em duas "
        "etapas: a pré-matrícula pela internet, no portal de matrícula da "
        "SEE-PE, e a efetivação presencial na escola indicada no "
        "comprovante.\n\n"
        "O calendário é publicado todo ano pela SEE-PE, em geral a partir de "
        "novembro. Oriente o solicitante a guardar o número do comprovante da "
        "pré-matrícula e a comparecer à escola no prazo informado, sob pena "
        "de perder a vaga."),
    ("Documentos necessários para a matrícula", ['MATRICULA', 'EJA'],
        "documentos matrícula certidão cpf comprovante residência vacinação",
        'contractor', 'published',
        "Para efetivar a matrícula o responsável (ou o estudante maior de "
        "idade) apresenta na escola: certidão de nascimento ou RG do "
        "estudante, CPF, comprovante de residência, histórico escolar ou "
        "declaração de transferência e cartão de vacinação.\n\n"
        "A falta do histórico não impede a matrícula: a escola aceita a "
        "declaração de escolaridade e concede prazo para a entrega."),
    ("Transferência entre escolas da rede estadual", ['TRANSFERENCIA'],
        "transferência escola vaga mudança declaração",
        'contractor', 'published',
        "O pedido de transferência é feito na escola de origem, que emite a "
        "declaração de transferência. Com ela, o responsável procura a "
        "escola de destino, que confirma a existência de vaga.\n\n"
        "Se a escola de destino não tiver vaga, oriente a consultar a "
        "Gerência Regional de Educação (GRE) do município."),
    ("PE no Campus: quem pode participar", ['PECAMPUS'],
        "pe no campus requisitos edital universidade auxílio inscrição",
        'see', 'published',
        "O PE no Campus atende estudantes que concluíram o ensino médio na "
        "rede pública estadual de Pernambuco e foram aprovados em curso de "
        "graduação presencial.\n\n"
        "Os requisitos, documentos e prazos de cada edição constam do "
        "edital publicado pela SEE-PE. A inscrição é feita somente pelo "
        "sistema indicado no edital; a central não realiza inscrições."),
    ("PE no Campus: pagamento do auxílio", ['PECAMPUS'],
        "pe no campus pagamento auxílio conta depósito atraso",
        'contractor', 'published',
        "O auxílio é depositado mensalmente na conta informada pelo "
        "estudante no ato da inscrição. Atrasos costumam decorrer de dados "
        "bancários incorretos ou de pendência na comprovação de matrícula "
        "do semestre.\n\n"
        "Quando o estudante confirmar que os dados estão corretos e a "
        "comprovação foi enviada, registre a solicitação para resposta pela "
        "SEE-PE."),
    ("Passe Livre Estudantil: como solicitar o cartão", ['PASSELIVRE'],
        "passe livre cartão solicitar cadastro transporte gratuidade",
        'contractor', 'published',
        "O estudante da rede estadual solicita o Passe Livre na secretaria "
        "da sua escola, que realiza o cadastro. Depois da validação o cartão "
        "é emitido e entregue na própria escola.\n\n"
        "O benefício vale para os deslocamentos entre a residência e a "
        "escola nos dias letivos."),
    ("Passe Livre Estudantil: cartão bloqueado ou perdido", ['PASSELIVRE'],
        "passe livre cartão bloqueado perdido segunda via roubo",
        'contractor', 'published',
        "Em caso de perda ou roubo, o estudante deve pedir o bloqueio e a "
        "segunda via pela escola. Cartões bloqueados por falta de "
        "frequência são liberados depois que a escola atualiza a "
        "frequência no sistema.\n\n"
        "Se a escola informar que a frequência está regular e o cartão "
        "continuar bloqueado, registre a solicitação para resposta pela "
        "SEE-PE."),
    ("Ganhe o Mundo: requisitos e seleção", ['GANHEMUNDO'],
        "ganhe o mundo intercâmbio seleção requisitos inglês espanhol",
        'see', 'published',
        "O Ganhe o Mundo oferece intercâmbio a estudantes do ensino médio "
        "da rede estadual. A seleção segue o edital de cada ano e considera "
        "o desempenho escolar e o resultado nos cursos de língua "
        "estrangeira oferecidos pelo programa.\n\n"
        "Dúvidas sobre notas e classificação individual são encaminhadas à "
        "SEE-PE."),
    ("Histórico escolar e declarações", ['DOCUMENTOS'],
        "histórico declaração certificado conclusão escola extinta",
        'contractor', 'published',
        "Históricos e declarações são emitidos pela escola em que o "
        "estudante concluiu os estudos, em até 30 dias.\n\n"
        "Quando a escola foi extinta ou municipalizada, o acervo fica sob "
        "a guarda da SEE-PE: registre a solicitação com o nome da escola, o "
        "ano de conclusão e o nome completo do estudante."),
    ("Como registrar uma denúncia", ['OUVIDORIA'],
        "denúncia ouvidoria reclamação escola merenda sigilo",
        'contractor', 'published',
        "Denúncias sobre as escolas (merenda, transporte, conduta de "
        "servidores, estrutura) são registradas com a classificação "
        "Denúncia e escaladas à Ouvidoria da SEE-PE.\n\n"
        "Registre o nome e o município da escola, a data e a descrição dos "
        "fatos. O solicitante pode pedir sigilo dos seus dados."),
    ("Matrícula na EJA: turmas noturnas", ['EJA'],
        "eja jovens adultos noturno matrícula",
        'contractor', 'draft',
        "Rascunho: as turmas de EJA funcionam no período noturno nas escolas "
        "indicadas pela GRE. Aguardando a lista de escolas da SEE-PE."),
    ("Matrícula: prazos prorrogados da edição anterior", ['MATRICULA'],
        "matrícula prorrogação prazo",
        'contractor', 'archived',
        "Os prazos de efetivação da matrícula da edição anterior foram "
        "prorrogados por uma semana. Conteúdo arquivado: vale apenas para "
        "aquela edição."),
    ]



def assistant_articles():
    """The articles of the assistant's evaluation set (see_assistente),
    published, that ARTICLES does not have: the demo's knowledge base
    is the one the assistant is measured on"""
    try:
        from trytond.modules.see_assistente.tests import evaluation
    except ImportError:
        return []
    titles = {a[0] for a in ARTICLES}
    return [(a['title'], [a['service']] if a['service'] else [],
            a['keywords'], 'contractor', 'published', a['body'])
        for a in evaluation.articles() if a['title'] not in titles]


RATINGS = [
    # article title, grade, comment
    ("Matrícula de alunos novatos: calendário e etapas", 5,
        "Claro e completo."),
    ("Documentos necessários para a matrícula", 4,
        "Incluir a regra para estudantes estrangeiros."),
    ("Transferência entre escolas da rede estadual", 4, None),
    ("PE no Campus: pagamento do auxílio", 3,
        "Detalhar o prazo de comprovação da matrícula."),
    ("Passe Livre Estudantil: como solicitar o cartão", 5, None),
    ("Passe Livre Estudantil: cartão bloqueado ou perdido", 4, None),
    ("Histórico escolar e declarações", 2,
        "Prazo de emissão desatualizado; revisar com a GDOC."),
    ("Como registrar uma denúncia", 5, None),
    ]

# login, name, groups (XML ids of see_atendimento), units of the user
USERS = [
    ('atendente', "Ana Beatriz Souza", ['group_agent'], []),
    ('atendente2', "Carlos Eduardo Lima", ['group_agent'], []),
    ('atendente3', "Juliana Ferreira", ['group_agent'], []),
    ('supervisor', "Marcos Vinícius Rocha", ['group_supervisor'], []),
    ('unidade', "Patrícia Albuquerque (SEE-PE)", ['group_unit'],
        [u[0] for u in UNITS]),
    ('gestor', "Roberto Cavalcanti", ['group_contract_manager'], []),
    ('fiscal', "Fernanda Moura (SEE-PE)", ['group_fiscal'], []),
    ('auditor', "Luiz Henrique Barros (SEE-PE)", ['group_auditor'], []),
    # Their groups, in see_presencial, are given with the site
    ('recepcao', "Renata Lins", [], []),
    ('supervisor-unidade', "Gustavo Henrique Barbosa", [], []),
    ('integracao', "Integração SIEPE", ['group_integration'], []),
    # Their groups, in see_documentos, are given with the checklists
    ('analista', "Rui Monteiro", [], []),
    ('supervisor-analise', "Sofia Cavalcanti", [], []),
    ]
ROLES = {
    'atendente': "Atendente",
    'atendente2': "Atendente",
    'atendente3': "Atendente",
    'supervisor': "Supervisor",
    'unidade': "Unidade Gestora (2º nível)",
    'gestor': "Gestor do contrato",
    'fiscal': "Fiscal do contrato",
    'auditor': "Auditor SEE-PE (somente leitura)",
    'recepcao': "Recepção da unidade presencial",
    'supervisor-unidade': "Supervisor da unidade presencial",
    'admin': "Administrador",
    'integracao': "Integração (JSON-RPC)",
    'analista': "Analista de documentos",
    'supervisor-analise': "Supervisora da análise de documentos",
    }
AGENTS = ['atendente', 'atendente2', 'atendente3']

# The contract of the terms of reference: its two items, with the e-Fisco
# codes and estimated quantities of the seed, and demo unit prices
CONTRACT = {
    'number': 'DEMO-001',
    'supplier': "Central Atende Serviços Ltda (demonstração)",
    'customer': "Secretaria de Educação de Pernambuco (SEE-PE)",
    }
ITEMS = [
    {'efisco_code': '513159-6', 'description': "Teleatendimento humano",
        'channel': 'telefone', 'estimated_quantity': 32630,
        'unit_price': Decimal('12.35')},
    {'efisco_code': '513241-0', 'description': "Atendimento humano via webchat",
        'channel': 'webchat', 'estimated_quantity': 31500,
        'unit_price': Decimal('9.87')},
    ]
# The PBX of the central, known to the connector (not started by the demo)
PBX = {
    'name': "PABX da central (demonstração)", 'host': '127.0.0.1',
    'port': 5038, 'user': 'see', 'secret': 'demo',
    }
PBX_QUEUE = 'central'
# Attendances ordered each month, by channel
ORDERED = {'telefone': 40, 'webchat': 10}

REQUESTERS = [
    # name, phone, CPF base (9 digits, check digits computed) or None
    ("Maria José da Silva", "(81) 99812-3401", '372184650'),
    ("João Pedro Santos", "(81) 98745-1290", None),
    ("Severina Alves de Lima", "(87) 99654-2201", '518273946'),
    ("Antônio Carlos Pereira", "(81) 99123-8877", None),
    ("Luciana Barbosa", "(81) 3184-2200", None),
    ("Rafael Nascimento", "(81) 98877-4512", '604917283'),
    ("Gabriela Cordeiro", "(87) 98811-0934", None),
    ("Francisco das Chagas Melo", "(81) 99701-5563", '245839176'),
    ("Beatriz Vasconcelos", "(81) 99234-7781", None),
    ("José Ricardo Araújo", "(81) 98602-3318", None),
    ("Tatiane Gomes", "(87) 99920-4417", '731562948'),
    ("Pedro Henrique Farias", "(81) 99455-6620", None),
    ("Camila Oliveira", "(81) 98123-9004", None),
    ("Edvaldo Monteiro", "(81) 99388-1176", '850326417'),
    ("Larissa Queiroz", "(87) 99107-6652", None),
    ("Sandra Regina Tavares", "(81) 99560-2087", None),
    ]

# What the citizen asks and what the agent answers, by service
QUESTIONS = {
    'MATRICULA': [
        ("Quer saber quando abre a matrícula de novatos para o 1º ano do "
            "ensino médio.",
            "Informado que a pré-matrícula é feita no portal de matrícula no "
            "período do calendário da SEE-PE e orientado sobre as etapas.",
            ["Matrícula de alunos novatos: calendário e etapas"]),
        ("Pergunta quais documentos levar à escola para efetivar a "
            "matrícula da filha.",
            "Listados os documentos: certidão de nascimento, CPF, "
            "comprovante de residência, histórico e cartão de vacinação.",
            ["Documentos necessários para a matrícula"]),
        ("Fez a pré-matrícula, mas a escola do comprovante não é a que "
            "escolheu.",
            None, ["Matrícula de alunos novatos: calendário e etapas"]),
        ],
    'TRANSFERENCIA': [
        ("Mudou de bairro e quer transferir o filho para uma escola mais "
            "perto de casa.",
            "Orientado a pedir a declaração de transferência na escola de "
            "origem e procurar a escola de destino para confirmar a vaga.",
            ["Transferência entre escolas da rede estadual"]),
        ],
    'PECAMPUS': [
        ("Quer saber se pode participar do PE no Campus estudando em "
            "faculdade particular.",
            "Explicado o público do programa e indicado o edital vigente "
            "para conferir os requisitos.",
            ["PE no Campus: quem pode participar"]),
        ("O auxílio do PE no Campus deste mês não foi depositado; dados "
            "bancários conferidos.",
            None, ["PE no Campus: pagamento do auxílio"]),
        ],
    'PASSELIVRE': [
        ("Pergunta como o filho consegue o cartão do Passe Livre.",
            "Orientado a solicitar na secretaria da escola, que faz o "
            "cadastro; o cartão é entregue na escola.",
            ["Passe Livre Estudantil: como solicitar o cartão"]),
        ("Cartão do Passe Livre bloqueado, embora a escola diga que a "
            "frequência está em dia.",
            None, ["Passe Livre Estudantil: cartão bloqueado ou perdido"]),
        ("Perdeu o cartão do Passe Livre e quer a segunda via.",
            "Orientado a pedir o bloqueio e a segunda via na escola.",
            ["Passe Livre Estudantil: cartão bloqueado ou perdido"]),
        ],
    'GANHEMUNDO': [
        ("Quer saber os requisitos para se inscrever no Ganhe o Mundo.",
            "Informados os critérios gerais e indicado o edital do ano.",
            ["Ganhe o Mundo: requisitos e seleção"]),
        ("Discorda da nota de proficiência publicada no resultado do "
            "Ganhe o Mundo.",
            None, ["Ganhe o Mundo: requisitos e seleção"]),
        ],
    'DOCUMENTOS': [
        ("Precisa do histórico escolar de uma escola estadual que foi "
            "fechada em 2009.",
            None, ["Histórico escolar e declarações"]),
        ("Pede declaração de escolaridade para o estágio.",
            "Orientado a solicitar na secretaria da escola; prazo de até "
            "30 dias.",
            ["Histórico escolar e declarações"]),
        ],
    'EJA': [
        ("Adulto de 42 anos quer terminar o ensino fundamental à noite.",
            "Informado que a matrícula na EJA é feita na escola e orientado "
            "a procurar a GRE para a lista de escolas com turma noturna.",
            []),
        ],
    'OUVIDORIA': [
        ("Denuncia falta de merenda há duas semanas na escola do filho.",
            None, ["Como registrar uma denúncia"]),
        ],
    }
# Contacts that are not attendances (item 3.1.1.7)
INVALID = [
    ('ENGANO', "Procurava o Detran para agendar vistoria.",
        "Informado que o número é da central da SEE-PE."),
    ('TROTE', "Ligação de trote.", "Ligação encerrada."),
    ('MUDA', "Ligação sem áudio do solicitante.",
        "Ligação encerrada após três avisos."),
    ('QUEDA', "Ligação caiu durante a identificação.",
        "Sem retorno do solicitante."),
    ('INTERROMPIDA', "Solicitante desligou antes de informar a dúvida.",
        "Ligação encerrada pelo solicitante."),
    ]
ESCALATION_ANSWERS = {
    'MATRICULA': "Vaga confirmada na escola escolhida após correção no "
        "sistema; novo comprovante disponível no portal.",
    'PECAMPUS': "Pagamento retido por pendência de comprovação de matrícula; "
        "regularizado, o depósito sai na próxima folha.",
    'PASSELIVRE': "Frequência atualizada pela GTE; cartão desbloqueado em "
        "até 48 horas.",
    'GANHEMUNDO': "Nota revisada e mantida; o candidato pode interpor "
        "recurso no prazo do edital.",
    'DOCUMENTOS': "Acervo localizado na GRE Recife Norte; histórico "
        "disponível para retirada em 10 dias úteis.",
    'OUVIDORIA': "Denúncia registrada na Ouvidoria; a GRE visitará a "
        "escola nesta semana.",
    }

# The webchat attendances that go through the chat (the others are the
# agent's registry of a conversation still open, or not one at all)
CHATTED = {'resolved', 'closed', 'esc_new', 'esc_analysis', 'esc_forwarded',
    'esc_answered', 'esc_returned'}

# How many protocols end in each state (in attendance order)
PLAN = (
    ['resolved'] * 9 + ['closed'] * 10 + ['invalid'] * 5
    + ['esc_new'] * 2 + ['esc_analysis'] * 2 + ['esc_forwarded'] * 2
    + ['esc_answered'] * 3 + ['esc_returned'] * 3
    + ['cancelled'] * 3 + ['attending'] * 3 + ['draft'] * 3)


def cpf_with_digits(base):
    "Return the CPF of the 9 base digits with its two check digits"
    digits = [int(c) for c in base]
    for _ in range(2):
        weight = len(digits) + 1
        total = sum(d * (weight - i) for i, d in enumerate(digits))
        digits.append((total * 10) % 11 % 10)
    return ''.join(map(str, digits))


# --------------------------------------------------------------------------
# Database and modules

def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('-d', '--database', default='see_demo',
        help="database name (default: %(default)s)")
    parser.add_argument('-c', '--config', default=str(DEFAULT_CONFIG),
        help="trytond configuration file (default: config/demo.conf)")
    parser.add_argument('--database-path',
        help="folder of the stored files (and of the SQLite files), "
        "instead of [database] path")
    where = parser.add_mutually_exclusive_group()
    where.add_argument('--cluster', default=str(DEFAULT_CLUSTER),
        help="folder of the demo's own PostgreSQL cluster "
        "(default: var/postgres)")
    where.add_argument('--uri',
        help="a running PostgreSQL server to use instead, "
        "e.g. postgresql://user@127.0.0.1:5432/")
    where.add_argument('--sqlite', action='store_true',
        help="SQLite files instead of PostgreSQL (no live bus)")
    parser.add_argument('--serve', action='store_true',
        help="then serve the web client until interrupted")
    parser.add_argument('--listen',
        help="with --serve, the address and port instead of [web] listen")
    parser.add_argument('--no-pbx', dest='pbx', action='store_false',
        help="with --serve, no simulated PBX and connector (on PostgreSQL "
        "they run with the demo: calls keep arriving)")
    parser.add_argument('--pbx-every', type=float, default=20,
        help="seconds between two calls of the simulated PBX (default 20)")
    return parser.parse_args(argv)


class Target:
    "Where the demo database lives"

    def __init__(self, uri, path, database, cluster=None):
        self.uri = uri
        self.path = path
        self.database = database
        self.cluster = cluster

    def __str__(self):
        if self.uri.startswith('sqlite'):
            return str(self.path / f'{self.database}.sqlite')
        return f'{self.uri}{self.database}'

    def write_config(self, listen=None):
        "Write the configuration file that gives trytond this database"
        config_file = self.path / 'demo-database.conf'
        text = ('# Written by scripts/demo.py: the database of the demo\n'
            f'[database]\nuri = {self.uri}\npath = {self.path}\n')
        if listen:
            text += f'[web]\nlisten = {listen}\n'
        config_file.write_text(text)
        return config_file


def configure(options):
    """Load the trytond configuration before any backend import and return
    the Target, starting the demo's cluster when it is the one used"""
    from trytond import config
    config_file = Path(options.config).resolve()
    # The demo configuration uses paths relative to the repository
    os.chdir(ROOT)
    if not config_file.is_file():
        sys.exit(f"Configuração não encontrada: {config_file}")
    config.update_etc(str(config_file))
    path = Path(options.database_path
        or config.get('database', 'path', default='var')).resolve()
    path.mkdir(parents=True, exist_ok=True)
    # trytond turns a relative path into an absolute URI (sqlite:///var/…)
    config.set('database', 'path', str(path))
    cluster = None
    if getattr(options, 'sqlite', False):
        uri = 'sqlite://'
    elif getattr(options, 'uri', None):
        uri = options.uri
        if not pgcluster.reachable(uri):
            sys.exit(f"PostgreSQL não respondeu em {uri!r}.")
    else:
        cluster = pgcluster.Cluster(options.cluster)
        running = bool(cluster.port)
        if not running:
            print(f"Iniciando o PostgreSQL da demonstração em "
                f"{cluster.path} …", flush=True)
        uri = cluster.start()
        if running:
            # Another demo's: it stops it
            cluster = None
    config.set('database', 'uri', uri)
    return Target(uri, path, options.database, cluster)


def module_names():
    "Every module of the project, as found in addons/"
    names = sorted(p.parent.name for p in ROOT.glob('addons/*/tryton.cfg'))
    from trytond.modules import get_modules
    missing = sorted(set(names) - set(get_modules()))
    if missing:
        sys.exit(
            f"Módulos de addons/ não instalados no ambiente: "
            f"{', '.join(missing)}. Registre-os em pyproject.toml (entry "
            "point trytond.modules) e rode `make install`.")
    return names


def activate_modules(database, modules, admin_password):
    """Create the database when missing, then activate or update modules
    and load the Portuguese translations, as `trytond-admin -d DB -u ...
    --activate-dependencies -l pt` does."""
    from trytond import admin
    from trytond.commandline import get_parser_admin
    from trytond.transaction import Transaction

    with Transaction().start(
            None, 0, close=True, autocommit=True) as transaction:
        created = database not in transaction.database.list()
        if created:
            transaction.database.create(transaction.connection, database)
    options = get_parser_admin().parse_args([
            '--database', database,
            '--update', *modules,
            '--activate-dependencies',
            '--language', 'pt',
            ])
    # An empty e-mail keeps trytond-admin from asking for one
    options.email = ''
    with tempfile.NamedTemporaryFile('w', suffix='.pass') as passfile:
        passfile.write(admin_password + '\n')
        passfile.flush()
        previous = os.environ.get('TRYTONPASSFILE')
        os.environ['TRYTONPASSFILE'] = passfile.name
        try:
            admin.run(options)
        finally:
            if previous is None:
                del os.environ['TRYTONPASSFILE']
            else:
                os.environ['TRYTONPASSFILE'] = previous
    return created


# --------------------------------------------------------------------------
# Demo data

class Loader:
    "Load the demo data in the current transaction"

    def __init__(self, admin_password):
        from trytond.pool import Pool
        self.pool = Pool()
        self.admin_password = admin_password
        self.random = random.Random(2024)
        self.now = dt.datetime.now().replace(microsecond=0)
        self.created = {}
        # Webchat attendances go through the chat when see_webchat is there
        self.chats = 'see.chat.session' in dict(
            self.pool.iterobject(type='model'))

    def count(self, name, number):
        self.created[name] = self.created.get(name, 0) + number

    def ref(self, xml_id, module='see_atendimento'):
        ModelData = self.pool.get('ir.model.data')
        return ModelData.get_id(module, xml_id)

    def get_or_create(self, model, key, values_list):
        "Return records of model by key, creating the missing ones"
        Model = self.pool.get(model)
        keys = [v[key] for v in values_list]
        existing = {getattr(r, key): r
            for r in Model.search([(key, 'in', keys)])}
        missing = [v for v in values_list if v[key] not in existing]
        if missing:
            for record in Model.create(missing):
                existing[getattr(record, key)] = record
            self.count(model, len(missing))
        return {k: existing[k] for k in keys}

    def load(self):
        self.units = self.get_or_create('see.unit', 'code', [{
                    'code': code, 'name': name, 'email': email,
                    } for code, name, email in UNITS])
        self.services = self.get_or_create('see.service', 'code', [{
                    'code': code, 'name': name, 'kind': kind,
                    'unit': self.units[unit].id, 'description': description,
                    } for code, name, kind, unit, description in SERVICES])
        Classification = self.pool.get('see.classification')
        self.classifications = {
            c.code: c for c in Classification.search([])}
        self.users = self.load_users()
        self.articles = self.load_articles()
        self.load_ratings()
        self.load_protocols()
        self.load_calls()
        # Before the month's measurement, which counts their protocols
        self.load_site()
        self.load_appointments()
        self.pages = self.load_pages() + self.load_documents()
        self.measurements = self.load_contract()
        self.skip_configuration_wizard()

    def load_site(self):
        """The in-person service site of Recife with its desks, and today's
        queue tickets in every state, moved through their workflow by the
        reception and the desk agents"""
        pool = self.pool
        try:
            Site = pool.get('see.site')
        except KeyError:
            return
        from trytond.transaction import Transaction
        Desk = pool.get('see.site.desk')
        Calendar = pool.get('see.sla.calendar')
        Ticket = pool.get('see.ticket')
        Priority = pool.get('see.ticket.priority')
        Protocol = pool.get('see.protocol')
        User = pool.get('res.user')
        if Site.search([('code', '=', SITE['code'])]):
            return
        users = self.users
        # The agents also work at the site's desks
        for login, group in [('atendente', 'group_desk_agent'),
                ('atendente2', 'group_desk_agent'),
                ('atendente3', 'group_desk_agent'),
                ('recepcao', 'group_reception'),
                ('supervisor-unidade', 'group_site_supervisor')]:
            User.write([users[login]], {'groups': [
                        ('add', [self.ref(group, 'see_presencial')])]})
        calendar, = Calendar.create([{
                    'name': SITE['calendar'], 'kind': 'rotineiro',
                    'start_time': dt.time(0, 0),
                    'end_time': dt.time(23, 59, 59),
                    'monday': True, 'tuesday': True, 'wednesday': True,
                    'thursday': True, 'friday': True, 'saturday': True,
                    'sunday': True, 'holiday_country': None,
                    }])
        site, = Site.create([{
                    'name': SITE['name'], 'code': SITE['code'],
                    'address': SITE['address'], 'no_show_calls': 2,
                    'calendar': calendar.id,
                    'supervisors': [('add', [users['supervisor-unidade'].id])],
                    'services': [('create', [
                                {'service': self.services[code].id,
                                    'prefix': prefix}
                                for code, prefix in SITE['services']])],
                    'receptionists': [('add', [users['recepcao'].id])],
                    }])
        desks = Desk.create([{
                    'site': site.id, 'name': name, 'number': number,
                    'services': [('add', [self.services[c].id
                                for c in services])],
                    'agents': [('add', [users[login].id])],
                    } for number, (name, services, login)
                in enumerate(SITE['desks'], 1)])
        self.count('see.site', 1)
        self.count('see.site.desk', len(desks))
        priorities = {p.code: p.id for p in Priority.search([])}
        with Transaction().set_user(users['recepcao'].id):
            tickets = Ticket.create([{
                        'site': site.id,
                        'service': self.services[service].id,
                        'priority': priorities.get(priority),
                        'requester_name': name, 'requester_cpf': cpf,
                        } for service, priority, name, cpf in SITE['tickets']])
        self.count('see.ticket', len(tickets))
        (attended, identified_later, suspended, absent, attending, cancelled,
            called) = tickets[:7]
        standard = self.classifications['PADRAO']

        def resolve(ticket, phone):
            protocol = ticket.protocol
            if protocol.state == 'draft':
                # The desk identifies the citizen, then starts
                protocol.requester_name = (
                    protocol.requester_name or "Cidadão do balcão")
                protocol.requester_phone = phone
                protocol.save()
                Protocol.start([protocol])
            protocol.classification = standard
            protocol.answer = "Orientado no guichê."
            protocol.save()
            Protocol.resolve([protocol])

        first, second, third = desks
        with Transaction().set_user(users['atendente'].id):
            for ticket, phone in [(attended, None),
                    (identified_later, '(81) 99812-3401')]:
                Ticket.call([ticket], first)
                Ticket.start([ticket])
                resolve(Ticket(ticket.id), phone)
                Ticket.finish([ticket])
            Ticket.call([suspended], first)
            Ticket.start([suspended])
            Ticket.suspend([suspended])
            Ticket.call([absent], first)
            Ticket.recall([absent])
            Ticket.no_show([absent])
            Ticket.call([attending], first)
            Ticket.start([attending])
        with Transaction().set_user(users['atendente2'].id):
            Ticket.call([cancelled], second)
            Ticket.cancel_with_reason([cancelled],
                "O cidadão desistiu do atendimento.")
        with Transaction().set_user(users['atendente3'].id):
            Ticket.call([called], third)

    def load_appointments(self):
        """Bookable slots of the site's first service for the coming days,
        in person or by video, two video appointments and one in person"""
        pool = self.pool
        try:
            BookingType = pool.get('see.booking.type')
        except KeyError:
            return
        Site = pool.get('see.site')
        Appointment = pool.get('see.appointment')
        sites = Site.search([('code', '=', SITE['code'])])
        if not sites or BookingType.search([]):
            return
        site, = sites
        code = SITE['services'][0][0]
        booking, = BookingType.create([{
                    'name': "%s (agendada)" % self.services[code].name,
                    'service': self.services[code].id, 'site': site.id,
                    'channel': 'both', 'duration': 30, 'buffer': 10,
                    'minimum_notice': 60, 'maximum_horizon': 14,
                    'capacity': 2,
                    }])
        self.count('see.booking.type', 1)
        today = site.calendar.local_date(self.now)
        slots = booking.availability(today + dt.timedelta(days=1),
            today + dt.timedelta(days=2))
        citizens = [("Fernanda Alves", 'video', 'fernanda@example.com'),
            ("Roberto Nunes", 'video', 'roberto@example.com'),
            ("Luciana Prado", 'in_person', 'luciana@example.com')]
        for index, (name, channel, email) in enumerate(citizens):
            appointment = Appointment.book(booking.id, channel,
                slots[index * 3][0], {
                    'requester_name': name,
                    'requester_cpf': cpf_with_digits(f'{710203040 + index}'),
                    'requester_email': email})
            Appointment.confirm([appointment])
        self.count('see.appointment', len(citizens))

    def load_pages(self):
        """The pages of the installed modules, with a new token for each
        device of the site on every run (only a token's hash is stored, so
        the printed one is the one just issued)"""
        Module = self.pool.get('ir.module')
        activated = {m.name for m in Module.search([
                    ('state', '=', 'activated')])}
        pages = [(label, path) for label, path, module in STAFF_PAGES
            if module in activated]
        try:
            Site = self.pool.get('see.site')
        except KeyError:
            return pages
        Device = self.pool.get('see.device')
        Desk = self.pool.get('see.site.desk')
        site, = Site.search([('code', '=', SITE['code'])])
        existing = {d.name: d for d in Device.search([('site', '=', site.id)])}
        missing = []
        for name, kind, desk in SITE['devices']:
            if name in existing:
                continue
            values = {'name': name, 'kind': kind, 'site': site.id}
            if desk:
                values['desk'], = [d.id for d in Desk.search([
                            ('site', '=', site.id), ('name', '=', desk)])]
            missing.append(values)
        if missing:
            for device in Device.create(missing):
                existing[device.name] = device
            self.count('see.device', len(missing))
        for name, kind, _ in SITE['devices']:
            token = existing[name].new_token()
            pages.append((f"{DEVICE_PAGES[kind]} — {name}",
                    f'see_presencial/{kind}#token={token}'))
        return pages

    def load_documents(self):
        """The document checklists of two services, submissions of their
        protocols in every state (sent, reviewed and returned through the
        models' methods, as the citizen's page and the reviewer do) and a
        protocol routed between three sectors; return the citizen's page
        of a returned submission"""
        pool = self.pool
        try:
            Checklist = pool.get('see.document.checklist')
        except KeyError:
            return []
        from trytond.transaction import Transaction
        Submission = pool.get('see.document.submission')
        Protocol = pool.get('see.protocol')
        Step = pool.get('see.routing.step')
        User = pool.get('res.user')
        users = self.users
        for login, group in [('analista', 'group_reviewer'),
                ('supervisor-analise', 'group_review_supervisor')]:
            User.write([users[login]], {'groups': [
                        ('add', [self.ref(group, 'see_documentos')])]})
        if not Checklist.search([]):
            Checklist.create([{
                        'name': name,
                        'service': self.services[code].id,
                        'items': [('create', [{
                                        'name': item, 'formats': formats,
                                        'max_pages': pages,
                                        'required': required,
                                        'sequence': n,
                                        } for n, (item, formats, pages,
                                        required) in enumerate(items)])],
                        } for code, name, items in CHECKLISTS])
            self.count('see.document.checklist', len(CHECKLISTS))
        if not Submission.search([]):
            self.load_submissions()
            main = Protocol.search([
                    ('service', '=', self.services['MATRICULA'].id)],
                order=[('id', 'ASC')], limit=1)
            if main:
                # The unit user acts for the sectors the protocol passes
                Unit = pool.get('see.unit')
                Unit.write([self.units[c] for c in ['GMAT', 'GAC', 'GDOC']],
                    {'users': [('add', [users['unidade'].id])]})
                steps = []
                with Transaction().set_user(users['unidade'].id):
                    for unit, note in [
                            ('GAC', "Conferir os dados do requerente"),
                            ('GDOC', "Emitir a declaração pedida")]:
                        step, = Step.create([{
                                    'protocol': main[0].id,
                                    'to_unit': self.units[unit].id,
                                    'note': note,
                                    }])
                        Step.receive([step])
                        steps.append(step)
                self.backdate_steps(main[0], steps)
                self.count('see.routing.step', 2)
        returned = Submission.search([('state', '=', 'returned')], limit=1)
        return [("Envio de documentos do cidadão (devolvido)",
                'see_documentos/envio/' + s.token) for s in returned]

    def load_submissions(self):
        "One submission in each state on the protocols of the two services"
        import io

        from PIL import Image
        from pypdf import PdfWriter
        from trytond.transaction import Transaction
        pool = self.pool
        Checklist = pool.get('see.document.checklist')
        Submission = pool.get('see.document.submission')
        Document = pool.get('see.document')
        Reason = pool.get('see.document.rejection.reason')
        Protocol = pool.get('see.protocol')

        def pdf(pages):
            writer = PdfWriter()
            for _ in range(pages):
                writer.add_blank_page(width=595, height=842)
            output = io.BytesIO()
            writer.write(output)
            return output.getvalue()

        def png():
            output = io.BytesIO()
            Image.new('RGB', (90, 120), (200, 200, 220)).save(
                output, format='PNG')
            return output.getvalue()

        reviewer = self.users['analista'].id
        illegible, = Reason.search([('code', '=', 'ILEGIVEL')])
        states = ['draft', 'submitted', 'in_review', 'returned',
            'approved', 'cancelled']
        created = 0
        for checklist in Checklist.search([]):
            protocols = Protocol.search([
                    ('service', '=', checklist.service.id)],
                order=[('id', 'ASC')], limit=len(states))
            for state, protocol in zip(states, protocols):
                submission, = Submission.create([{
                            'protocol': protocol.id,
                            'checklist': checklist.id,
                            }])
                created += 1
                for item in checklist.required_items:
                    if 'pdf' in item.formats:
                        data, name = pdf(min(item.max_pages or 1, 2)), 'pdf'
                    else:
                        data, name = png(), 'png'
                    submission.upload(item, f'{item.name}.{name}', data)
                if state == 'draft':
                    continue
                if state == 'cancelled':
                    Submission.cancel([submission])
                    continue
                Submission.submit([submission])
                if state == 'submitted':
                    continue
                with Transaction().set_user(reviewer):
                    Submission.claim([submission])
                    if state == 'in_review':
                        continue
                    documents = Submission(submission.id).current_documents()
                    if state == 'returned':
                        first, documents = documents[0], documents[1:]
                        Document.write([first], {
                                'rejection_reason': illegible.id,
                                'rejection_note': "A imagem está borrada.",
                                'problem_page': first.pages,
                                'problem_region': '0.1,0.2,0.6,0.15',
                                })
                        Document.reject([first])
                    Document.approve(documents)
                    Submission.conclude([submission])
        self.count('see.document.submission', created)

    def skip_configuration_wizard(self):
        """The demo is configured: the administrator's first login opens
        the menu, not the module configuration wizard"""
        Item = self.pool.get('ir.module.config_wizard.item')
        Item.write(Item.search([('state', '=', 'open')]), {'state': 'done'})

    def load_users(self):
        pool = self.pool
        User = pool.get('res.user')
        Lang = pool.get('ir.lang')
        from trytond.transaction import inactive_records
        portuguese, = Lang.search([('code', '=', 'pt')])
        with inactive_records():
            users = {u.login: u for u in User.search([
                        ('login', 'in', [u[0] for u in USERS] + ['admin']),
                        ])}
        to_create = []
        for login, name, groups, units in USERS:
            if login in users:
                continue
            to_create.append({
                    'login': login,
                    'name': name,
                    'email': f'{login}@see-pe.example',
                    'groups': [('add', [self.ref(g) for g in groups])],
                    'see_units': [('add', [self.units[u].id for u in units])],
                    })
        if to_create:
            for user in User.create(to_create):
                users[user.login] = user
            self.count('res.user', len(to_create))
        # Reset what the printed table promises, every run
        self.passwords = {login: f'{login}-demo' for login, *_ in USERS}
        self.passwords['admin'] = self.admin_password
        for login, user in users.items():
            user.active = True
            user.language = portuguese
            user.password = self.passwords[login]
        User.save(list(users.values()))
        return users

    def load_articles(self):
        Article = self.pool.get('see.kb.article')
        demo_articles = ARTICLES + assistant_articles()
        articles = {a.title: a for a in Article.search([
                    ('title', 'in', [a[0] for a in demo_articles]),
                    ])}
        to_create, states = [], {}
        for (title, services, keywords, produced_by, state,
                body) in demo_articles:
            states[title] = state
            if title in articles:
                continue
            to_create.append({
                    'title': title,
                    'services': [('add',
                            [self.services[s].id for s in services])],
                    'keywords': keywords,
                    'produced_by': produced_by,
                    'body': body,
                    })
        if to_create:
            created = Article.create(to_create)
            self.count('see.kb.article', len(created))
            Article.publish([a for a in created
                    if states[a.title] in {'published', 'archived'}])
            Article.archive([a for a in created
                    if states[a.title] == 'archived'])
            articles.update((a.title, a) for a in created)
        return articles

    def load_ratings(self):
        from trytond.transaction import Transaction
        Rating = self.pool.get('see.kb.rating')
        Date = self.pool.get('ir.date')
        if Rating.search([('article', 'in', list(self.articles.values()))],
                limit=1):
            return
        today = Date.today()
        with Transaction().set_user(self.users['unidade'].id):
            Rating.create([{
                        'article': self.articles[title].id,
                        'grade': grade,
                        'comment': comment,
                        'date': today - dt.timedelta(days=3 + 2 * i),
                        } for i, (title, grade, comment) in enumerate(RATINGS)])
        self.count('see.kb.rating', len(RATINGS))

    # Protocols ----------------------------------------------------------

    def load_calls(self):
        """The calls of the phone attendances as the PBX connector stores
        them, with the abandoned ones and answered ones that got no
        protocol. They are written as the connector would have written
        them, so that the SQLite variant of the demo has them too."""
        pool = self.pool
        try:
            Server = pool.get('see.ami.server')
        except KeyError:
            return
        Agent = pool.get('see.telephony.agent')
        Queue = pool.get('see.telephony.queue')
        Call = pool.get('see.call')
        Protocol = pool.get('see.protocol')
        if Server.search([('name', '=', PBX['name'])]):
            return
        server, = Server.create([dict(PBX)])
        queue, = Queue.create([{
                    'server': server.id, 'name': PBX_QUEUE,
                    'target_seconds': 60}])
        interfaces = {login: f'PJSIP/{1000 + index}'
            for index, login in enumerate(AGENTS, 1)}
        Agent.create([{
                    'server': server.id, 'interface': interface,
                    'extension': interface.split('/')[1],
                    'user': self.users[login].id,
                    } for login, interface in interfaces.items()])
        rnd = self.random
        calls = []

        def call(arrival, wait, talk, agent=None, caller=None, protocol=None):
            queued = arrival + dt.timedelta(seconds=6)
            exit_ = queued + dt.timedelta(seconds=wait)
            values = {
                'server': server.id, 'direction': 'inbound',
                'linkedid': f'{arrival.timestamp():.0f}.{len(calls)}',
                'caller': caller or f'+558199{rnd.randint(1000000, 9999999)}',
                'queue_name': PBX_QUEUE, 'queue': queue.id,
                'arrival_date': arrival, 'ivr_exit_date': queued,
                'queue_date': queued, 'queue_exit_date': exit_,
                'ivr_seconds': 6, 'wait_seconds': wait,
                'closed_by': 'hangup', 'protocol': protocol,
                }
            if talk is None:
                values.update(queue_exit='abandon', hangup_date=exit_,
                    disposition=('abandoned_short' if wait < 5
                        else 'abandoned_long' if wait > 60
                        else 'abandoned'))
            else:
                end = exit_ + dt.timedelta(seconds=talk)
                values.update(queue_exit='connect', answer_date=exit_,
                    complete_date=end, hangup_date=end, talk_seconds=talk,
                    disposition='answered', agent=agent.id,
                    agent_interface=interfaces.get(agent.login))
            values['last_event_date'] = values['hangup_date']
            calls.append(values)

        for protocol in Protocol.search([
                    ('channel', '=', 'telefone'),
                    ('state', 'not in', ['draft', 'attending']),
                    ]):
            # Most wait less than the minute of INS, a few do not
            wait = rnd.choice([8, 12, 20, 25, 35, 45, 50, 75])
            arrival = protocol.start_date - dt.timedelta(seconds=wait + 6)
            talk = 240
            if protocol.end_date:
                talk = int((protocol.end_date - protocol.start_date
                        ).total_seconds())
            call(arrival, wait, max(60, min(talk, 900)), protocol.agent,
                protocol.requester_phone, protocol.id)
        for _ in range(len(calls) // 4):
            # Abandoned in the queue: before 5 s (not counted by INS) or
            # after the minute (IAC)
            call(self.business_time(rnd.randint(1, 27)),
                rnd.choice([3, 4, 30, 65, 80, 95]), None)
        for index in range(3):
            # Answered, dropped before any registry: no protocol (IAR)
            call(self.business_time(rnd.randint(1, 27)), 15, 20,
                self.users[AGENTS[index]])
        Call.create(calls)
        self.count('see.call', len(calls))

    def load_contract(self):
        """The contract of the service, issued orders, an outage and the
        measurements of the months of the demo attendances, computed as the
        contract manager computes them"""
        from trytond.transaction import Transaction
        pool = self.pool
        try:
            Contract = pool.get('see.contract')
        except KeyError:
            return []
        Order = pool.get('see.service.order')
        Incident = pool.get('see.platform.incident')
        Measurement = pool.get('see.sla.measurement')
        Protocol = pool.get('see.protocol')
        contracts = Contract.search([('number', '=', CONTRACT['number'])])
        if contracts:
            contract, = contracts
            return Measurement.search([('contract', '=', contract.id)],
                order=[('month', 'ASC')])
        parties = self.get_or_create('party.party', 'name', [
                {'name': CONTRACT['supplier']}, {'name': CONTRACT['customer']}])
        starts = [p.start_date for p in Protocol.search([])]
        months = sorted({d.date().replace(day=1) for d in starts})
        # In operation for four months: the indicators that wait for the
        # first three are in force
        start = months[0]
        for _ in range(4):
            start = (start - dt.timedelta(days=1)).replace(day=1)
        # A telephony outage of one hour and a half, in office hours
        outage = self.business_time(5).replace(minute=0, second=0)
        with Transaction().set_user(self.users['gestor'].id), \
                Transaction().set_context(_check_access=True):
            contract, = Contract.create([{
                        'number': CONTRACT['number'],
                        'supplier': parties[CONTRACT['supplier']].id,
                        'customer': parties[CONTRACT['customer']].id,
                        'start_date': start, 'operation_start': start,
                        'items': [('create', [dict(i) for i in ITEMS])],
                        }])
            Contract.activate([contract])
            orders = Order.create([{
                        'number': f'OS-{index:02d}/{month:%Y}',
                        'contract': contract.id, 'month': month,
                        'kind': 'rotineiro',
                        'issue_date': month - dt.timedelta(days=10),
                        'lines': [('create', [{
                                        'item': item.id,
                                        'quantity': ORDERED[item.channel],
                                        } for item in contract.items])],
                        } for index, month in enumerate(months, 1)])
            Order.issue(orders)
            Incident.create([{
                        'description': "Queda do tronco SIP da central",
                        'component': 'telephony',
                        'contractor_responsible': True,
                        'start': outage,
                        'end': outage + dt.timedelta(minutes=90),
                        'notified_date': outage + dt.timedelta(minutes=20),
                        'resolved_date': outage + dt.timedelta(minutes=90),
                        }])
            measurements = Measurement.create([{
                        'contract': contract.id, 'month': month,
                        } for month in months])
            Measurement.compute(measurements)
        self.count('see.contract', 1)
        self.count('see.service.order', len(orders))
        self.count('see.platform.incident', 1)
        self.count('see.sla.measurement', len(measurements))
        return measurements

    def business_time(self, days_ago):
        "A weekday time in office hours, about days_ago in the past"
        day = self.now.date() - dt.timedelta(days=days_ago)
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(
                self.random.randint(8, 17), self.random.randint(0, 59),
                self.random.randint(0, 59)))

    def office_until_now(self, moment, hours):
        """office_after, but never later than now: a step the demo has
        done happened already, even when office hours put it on Monday"""
        return min(self.office_after(moment, hours), self.now)

    @staticmethod
    def office_after(moment, hours):
        "moment plus hours of office time (weekdays, 8h to 18h)"
        remaining = dt.timedelta(hours=hours)
        while remaining:
            opening = moment.replace(hour=8, minute=0, second=0)
            closing = moment.replace(hour=18, minute=0, second=0)
            if moment.weekday() >= 5 or moment >= closing:
                moment = opening + dt.timedelta(days=1)
            elif moment < opening:
                moment = opening
            else:
                step = min(remaining, closing - moment)
                moment += step
                remaining -= step
        return moment

    def load_protocols(self):
        Protocol = self.pool.get('see.protocol')
        agents = [self.users[a] for a in AGENTS]
        if Protocol.search([('agent', 'in', agents)], limit=1):
            return
        rnd = self.random
        escalable, answerable = [], []
        for service, questions in QUESTIONS.items():
            for question in questions:
                (answerable if question[1] else escalable).append(
                    (service, question))
        requesters = list(REQUESTERS)
        rnd.shuffle(requesters)
        # The first requesters come back about the same service: FCR
        returning = {}
        cases = []
        for index, outcome in enumerate(PLAN):
            requester = requesters[index % len(requesters)]
            if outcome == 'invalid':
                code, description, answer = INVALID[index % len(INVALID)]
                case = {
                    'service': None, 'classification': code,
                    'description': description, 'answer': answer,
                    'articles': [],
                    }
            else:
                escalate = outcome.startswith('esc_')
                choices = escalable if escalate else answerable
                service, (description, answer, articles) = choices[
                    index % len(choices)]
                if escalate:
                    classification = (
                        'DENUNCIA' if service == 'OUVIDORIA' else 'SEEPE')
                else:
                    classification = rnd.choice(['PADRAO'] * 4 + ['REGISTRO'])
                if requester in returning and not escalate:
                    service, description, answer, articles = (
                        returning.pop(requester))
                elif not escalate and index < 8:
                    returning[requester] = (
                        service, description, answer, articles)
                case = {
                    'service': service, 'classification': classification,
                    'description': description, 'answer': answer,
                    'articles': articles,
                    }
            case['outcome'] = outcome
            case['requester'] = requester
            case['agent'] = agents[index % len(agents)]
            case['start'] = self.start_of(index, outcome)
            cases.append(case)
        # Register them in the order they happened: numbers follow time
        for case in sorted(cases, key=lambda c: c['start']):
            self.attend(case)
        self.count('see.protocol', len(cases))

    def start_of(self, index, outcome):
        "When the attendance of outcome began"
        rnd = self.random
        if outcome in {'draft', 'attending'}:
            # Open work is from the last hour
            return self.now - dt.timedelta(minutes=3 + (7 * index) % 50)
        if outcome == 'esc_new':
            return self.business_time(rnd.randint(1, 6))
        if outcome in {'esc_analysis', 'esc_forwarded'}:
            return self.business_time(rnd.randint(2, 6))
        if outcome in {'esc_answered', 'esc_returned'}:
            # Room for the second level's hours before now
            return self.business_time(rnd.randint(7, 27))
        return self.business_time(rnd.randint(1, 27))

    def attend(self, case):
        "Register one attendance and take it through its workflow"
        from trytond.transaction import Transaction
        pool = self.pool
        Protocol = pool.get('see.protocol')
        rnd = self.random
        outcome, agent, start = case['outcome'], case['agent'], case['start']
        name, phone, cpf_base = case['requester']
        end = start + dt.timedelta(seconds=rnd.randint(150, 720))
        timeline = {'create': start, 'start': start + dt.timedelta(seconds=8)}
        values = {
            'channel': rnd.choice(['telefone'] * 6 + ['webchat'] * 3
                + ['whatsapp']),
            'requester_name': name,
            'requester_phone': phone,
            'requester_cpf': cpf_with_digits(cpf_base) if cpf_base else None,
            'service': (self.services[case['service']].id
                if case['service'] else None),
            'description': case['description'],
            'start_date': start,
            }
        if outcome != 'draft':
            values['classification'] = self.classifications[
                case['classification']].id
            if case['articles']:
                values['kb_articles'] = [('add',
                        [self.articles[t].id for t in case['articles']])]
            if case['answer'] and outcome != 'cancelled':
                values['answer'] = case['answer']
        if (values['channel'] == 'webchat' and outcome in CHATTED
                and self.chats):
            self.converse(case, values, end, timeline)
            return
        with Transaction().set_user(agent.id):
            protocol, = Protocol.create([values])
            if outcome == 'cancelled':
                Protocol.start([protocol])
                Protocol.cancel([protocol])
                timeline['cancel'] = end
            elif outcome != 'draft':
                Protocol.start([protocol])
            if outcome in {'resolved', 'closed', 'invalid'}:
                Protocol.resolve([protocol])
                timeline['resolve'] = end
                if outcome == 'closed':
                    closed = end + dt.timedelta(seconds=20)
                    Protocol.set_survey(
                        [protocol], rnd.choice([10, 10, 9, 9, 8, 8, 7, 5]))
                    Protocol.close([protocol])
                    timeline['survey'] = closed
                    timeline['close'] = closed
            elif outcome.startswith('esc_'):
                self.escalate(protocol, outcome, end, timeline)
        self.backdate(protocol, timeline)

    @staticmethod
    def question_of(protocol, description=None):
        """The question sent to SEE-PE: the request (a webchat protocol has
        none of its own, the citizen's first message is it) and who waits"""
        from trytond.modules.see_atendimento.party import format_phone
        request = description or protocol.description
        return (f"{request} " if request else '') + (
            f"Solicitante {protocol.requester_name} aguarda retorno pelo "
            f"telefone {format_phone(protocol.requester_phone)}.")

    def escalate(self, protocol, outcome, end, timeline):
        "Escalate through the wizard and work the escalation at SEE-PE"
        from trytond.transaction import Transaction
        Escalate = self.pool.get('see.protocol.escalate', type='wizard')
        with Transaction().set_context(active_model='see.protocol',
                active_id=protocol.id, active_ids=[protocol.id]):
            session_id, _, _ = Escalate.create()
            Escalate.execute(session_id, {
                    'start': {
                        'question': self.question_of(protocol),
                        'request_kb_update': outcome == 'esc_returned',
                        },
                    }, 'escalate')
            Escalate.delete(session_id)
        self.work_escalation(protocol, outcome, end, timeline)

    def work_escalation(self, protocol, outcome, end, timeline):
        "The second level's steps on the escalation of protocol"
        from trytond.transaction import Transaction
        pool = self.pool
        Protocol = pool.get('see.protocol')
        Escalation = pool.get('see.protocol.escalation')
        rnd = self.random
        timeline['escalate'] = end
        escalation, = Escalation.search([('protocol', '=', protocol.id)])
        steps = {'escalate': end}
        if outcome != 'esc_new':
            with Transaction().set_user(self.users['unidade'].id):
                Escalation.analyse([escalation])
                last = steps['escalation_analysis'] = self.office_until_now(
                    end, rnd.randint(1, 3))
                if outcome == 'esc_forwarded' or (
                        outcome != 'esc_analysis' and rnd.random() < .5):
                    escalation.forwarded_unit = self.units[
                        'GAC' if escalation.unit.code != 'GAC' else 'GMAT']
                    escalation.save()
                    Escalation.forward([escalation])
                    last = steps['escalation_forward'] = self.office_until_now(
                        last, rnd.randint(2, 6))
                if outcome in {'esc_answered', 'esc_returned'}:
                    escalation.answer = ESCALATION_ANSWERS[
                        protocol.service.code]
                    escalation.save()
                    Escalation.answer_([escalation])
                    last = steps['escalation_answer'] = self.office_until_now(
                        last, rnd.randint(3, 12))
                    timeline['answered'] = last
        if outcome == 'esc_returned':
            # The agent calls the requester back, gets the survey, closes
            closed = self.office_until_now(
                steps['escalation_answer'], rnd.randint(1, 4))
            with Transaction().set_user(protocol.agent.id):
                if protocol.survey_score is None:
                    # Unless it was given at the end of the chat
                    Protocol.set_survey(
                        [protocol], rnd.choice([9, 8, 6, 10]))
                    timeline['survey'] = closed
                Protocol.close([protocol])
            steps['escalation_return'] = timeline['close'] = closed
        timeline.update(steps)
        self.backdate_escalation(escalation, steps)

    def converse(self, case, values, end, timeline):
        """A webchat attendance as it happens in the chat: the citizen
        opens the conversation from the widget, an agent accepts it, they
        exchange messages and the agent closes or escalates it"""
        from trytond.transaction import Transaction
        pool = self.pool
        Session = pool.get('see.chat.session')
        Protocol = pool.get('see.protocol')
        rnd = self.random
        outcome, agent = case['outcome'], case['agent']
        session, _ = Session.open({
                'name': values['requester_name'],
                'phone': values['requester_phone'],
                'cpf': values['requester_cpf'],
                'service': values['service'],
                'consent': True,
                })
        session.citizen_send(case['description'])
        classification = values['classification']
        with Transaction().set_user(agent.id):
            Session.agent_accept([session])
            session = Session(session.id)
            protocol = session.protocol
            for title in case['articles'][:1]:
                Session.agent_send([session], '', self.articles[title].id)
            if outcome.startswith('esc_'):
                Session.agent_send([session], "Vou encaminhar sua dúvida à "
                    "SEE-PE; o retorno chega pelo telefone informado.")
                Session.agent_escalate(
                    [session], self.question_of(protocol, case['description']),
                    classification)
            else:
                Session.agent_send([session], case['answer'])
                session.citizen_send("Entendi, obrigado.")
                Session.agent_close([session], classification)
        if outcome != 'resolved':
            # The others leave the quality question unanswered
            Session(session.id).answer_survey(
                rnd.choice([10, 10, 9, 9, 8, 8, 7, 5]))
            timeline['survey'] = end + dt.timedelta(seconds=30)
        if outcome.startswith('esc_'):
            with Transaction().set_user(agent.id):
                self.work_escalation(
                    Protocol(protocol.id), outcome, end, timeline)
        else:
            timeline['resolve'] = end
            if Protocol(protocol.id).state == 'closed':
                timeline['close'] = timeline['survey']
        self.backdate(protocol, timeline)
        self.backdate_chat(session, timeline)
        self.count('see.chat.session', 1)

    def backdate_chat(self, session, timeline):
        """Spread the conversation's messages over the attendance: the
        chat stamps now(), the story happened earlier"""
        from trytond.transaction import Transaction
        pool = self.pool
        Session = pool.get('see.chat.session')
        Message = pool.get('see.chat.message')
        cursor = Transaction().connection.cursor()
        table = Session.__table__()
        message = Message.__table__()
        start, accept = timeline['create'], timeline['start']
        end = timeline.get('resolve') or timeline['escalate']
        survey = timeline.get('survey', end)
        messages = Message.search(
            [('session', '=', session.id)], order=[('id', 'ASC')])
        # Before the agent's acceptance notice, the citizen waits in the
        # queue; after it, the conversation runs until the conclusion
        accepted = next(i for i, m in enumerate(messages)
            if m.kind == 'notice')
        after = len([m for m in messages[accepted + 1:] if m.kind != 'score'])
        last_citizen = None
        for index, record in enumerate(messages):
            if record.kind == 'score':
                date = survey
            elif index <= accepted:
                date = start + (accept - start) * index / accepted
            else:
                date = accept + (end - accept) * (index - accepted) / after
            date = date.replace(microsecond=0)
            response_time = None
            if record.author_type == 'citizen' and record.kind == 'text':
                last_citizen = last_citizen or date
            elif record.author_type == 'agent' and last_citizen:
                # As the chat measures it: since the oldest unanswered
                response_time = date - last_citizen
                last_citizen = None
            cursor.execute(*message.update(
                    [message.date, message.create_date,
                        message.response_time],
                    [date, date, response_time],
                    where=message.id == record.id))
        cursor.execute(*table.update(
                [table.start_date, table.create_date, table.citizen_seen,
                    table.accept_date, table.end_date, table.expire_date],
                [start, start, survey, accept, end, survey],
                where=table.id == session.id))

    def backdate(self, protocol, timeline):
        """Move the timestamps of a protocol and its history to the moments
        of the story told by timeline: the workflow methods stamp now(), and
        the history is read-only through the models, so this is SQL."""
        from trytond.transaction import Transaction
        pool = self.pool
        Protocol = pool.get('see.protocol')
        Event = pool.get('see.protocol.event')
        cursor = Transaction().connection.cursor()
        table = Protocol.__table__()
        event = Event.__table__()
        columns = {
            'start_date': timeline['create'],
            'create_date': timeline['create'],
            }
        end = (timeline.get('resolve') or timeline.get('escalate')
            or timeline.get('cancel'))
        if end:
            columns['end_date'] = end
        if 'close' in timeline:
            columns['closed_date'] = timeline['close']
        if 'survey' in timeline:
            columns['survey_date'] = timeline['survey']
        cursor.execute(*table.update(
                [getattr(table, c) for c in columns], list(columns.values()),
                where=table.id == protocol.id))
        for action, date in timeline.items():
            cursor.execute(*event.update(
                    [event.date, event.create_date], [date, date],
                    where=(event.protocol == protocol.id)
                    & (event.action == action)))

    def backdate_steps(self, protocol, steps):
        """Date the routing steps in office hours after the protocol's
        opening, as if the sectors had worked it then"""
        from trytond.transaction import Transaction
        Step = self.pool.get('see.routing.step')
        cursor = Transaction().connection.cursor()
        table = Step.__table__()
        moment = protocol.create_date
        sent_dates = []
        for step in steps:
            sent = self.office_after(moment, 1)
            moment = self.office_after(sent, 3)
            sent_dates.append(sent)
            cursor.execute(*table.update(
                    [table.create_date, table.sent_date, table.received_date],
                    [sent, sent, moment], where=table.id == step.id))
        # Each step left its sector when the next one was sent
        for step, left in zip(steps, sent_dates[1:]):
            cursor.execute(*table.update(
                    [table.end_date], [left], where=table.id == step.id))

    def backdate_escalation(self, escalation, steps):
        from trytond.transaction import Transaction
        Escalation = self.pool.get('see.protocol.escalation')
        cursor = Transaction().connection.cursor()
        table = Escalation.__table__()
        columns = {
            'escalate': ['request_date', 'create_date'],
            'escalation_analysis': ['analysis_date'],
            'escalation_forward': ['forwarded_date'],
            'escalation_answer': ['answered_date'],
            'escalation_return': ['returned_date'],
            }
        names, values = [], []
        for action, date in steps.items():
            for column in columns[action]:
                names.append(getattr(table, column))
                values.append(date)
        cursor.execute(*table.update(
                names, values, where=table.id == escalation.id))
        self.backdate_escalation_steps(escalation, steps)

    def backdate_escalation_steps(self, escalation, steps):
        """Date the routing steps the escalation's workflow made (with
        see_documentos) at the moments of the escalation's own steps"""
        from trytond.transaction import Transaction
        try:
            Step = self.pool.get('see.routing.step')
        except KeyError:
            return
        cursor = Transaction().connection.cursor()
        table = Step.__table__()
        records = Step.search([('origin', '=', str(escalation))],
            order=[('id', 'ASC')])
        # The first step is sent by the escalation, the next one by the
        # forward; the analysis receives; the forward or the answer leaves
        sent = [steps['escalate'], steps.get('escalation_forward')]
        left = [steps.get('escalation_forward')
            or steps.get('escalation_answer'), steps.get('escalation_answer')]
        for step, sent_date, end_date in zip(records, sent, left):
            cursor.execute(*table.update(
                    [table.create_date, table.sent_date, table.received_date,
                        table.end_date],
                    [sent_date, sent_date,
                        (steps.get('escalation_analysis')
                            if step.received_date else None),
                        end_date if step.end_date else None],
                    where=table.id == step.id))


def load_data(database, admin_password):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    if database not in Pool.database_list():
        Pool(database).init()
    with Transaction().start(database, 0, context={'language': 'pt'}):
        loader = Loader(admin_password)
        loader.load()
        measurements = [(m.month, m.total_points, m.glosa_percentage,
                m.net_amount) for m in loader.measurements]
        Protocol = loader.pool.get('see.protocol')
        Escalation = loader.pool.get('see.protocol.escalation')
        states = {}
        for protocol in Protocol.search([]):
            states[protocol.state] = states.get(protocol.state, 0) + 1
        escalation_states = {}
        for escalation in Escalation.search([]):
            escalation_states[escalation.state] = (
                escalation_states.get(escalation.state, 0) + 1)
        return (loader.created, loader.passwords, states, escalation_states,
            measurements, loader.pages)


def print_summary(database, target, created, passwords, states,
        escalation_states, measurements, pages, seconds, listen=None):
    print()
    print(f"Banco de demonstração: {database} ({target})")
    if created:
        print("Criados agora: " + ", ".join(
                f"{n} {m}" for m, n in sorted(created.items())))
    else:
        print("Dados de demonstração já carregados; nada duplicado.")
    print("Protocolos por estado: " + ", ".join(
            f"{s} {n}" for s, n in sorted(states.items())))
    print("Escalonamentos por estado: " + ", ".join(
            f"{s} {n}" for s, n in sorted(escalation_states.items())))
    for month, points, glosa, net in measurements:
        print(f"Medição de {month:%m/%Y} (contrato {CONTRACT['number']}): "
            f"{points} pontos, glosa {glosa} %, valor líquido R$ {net}")
    url = f'http://{listen}' if listen else URL
    print(f"Pronto em {seconds:.1f} s. Cliente web: {url}  "
        f"(banco: {database})")
    print()
    print("Páginas (os tokens dos dispositivos mudam a cada execução):")
    for label, path in pages:
        print(f"  {label}: {url}/{database}/{path}")
    print()
    width = max(len(r) for r in ROLES.values())
    logins = [u[0] for u in USERS if u[0] != 'integracao']
    logins += ['admin', 'integracao']
    login_width = max(len(login) for login in logins)
    print(f"{'Papel':<{width}}  {'Login':<{login_width}}  Senha")
    print(f"{'-' * width}  {'-' * login_width}  {'-' * 16}")
    for login in logins:
        print(f"{ROLES[login]:<{width}}  {login:<{login_width}}  "
            f"{passwords[login]}")
    print()


def start_pbx(target, every):
    """The simulated PBX and the real AMI connector on the demo database,
    stopped with the demo"""
    from demo_pbx import LivePBX  # scripts/demo_pbx.py

    def port_taken(port):
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        with Transaction().start(target.database, 0) as transaction:
            Server = Pool().get('see.ami.server')
            Server.write(Server.search([('name', '=', PBX['name'])]),
                {'port': port})
            transaction.commit()
    config_file = target.write_config()
    pbx = LivePBX(PBX, PBX_QUEUE, target.database, config_file,
        target.path / 'ami-spool', target.path / 'ami-connector.log',
        every=every)
    port = pbx.start(port_taken)
    print(f"PABX simulado em 127.0.0.1:{port} com o conector AMI: uma "
        f"ligação na fila {PBX_QUEUE!r} a cada {every:g} s, atendida por "
        "atendente, atendente2 ou atendente3 (ramais 1001 a 1003); "
        f"registro do conector em {target.path / 'ami-connector.log'}",
        flush=True)
    return pbx


def serve(target, listen=None):
    """Serve the web client on the demo database until interrupted (Ctrl-C
    or SIGTERM)"""
    config_file = target.write_config(listen)
    trytond = Path(sys.executable).parent / 'trytond'
    server = subprocess.Popen([str(trytond), '-c', str(DEFAULT_CONFIG),
            str(config_file), '-d', target.database], cwd=ROOT)

    def terminate(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, terminate)
    try:
        server.wait()
    except KeyboardInterrupt:
        server.terminate()
        server.wait()


def main(argv=None):
    started = time.monotonic()
    options = parse_arguments(argv)
    target = configure(options)
    try:
        admin_password = os.environ.get(
            'SEE_DEMO_ADMIN_PASSWORD', DEFAULT_ADMIN_PASSWORD)
        modules = module_names()
        print(f"Ativando {', '.join(modules)} em {target} …", flush=True)
        activate_modules(options.database, modules, admin_password)
        (created, passwords, states, escalation_states, measurements,
            pages) = load_data(options.database, admin_password)
        print_summary(options.database, target, created, passwords, states,
            escalation_states, measurements, pages,
            time.monotonic() - started, options.listen)
        if options.serve:
            pbx = None
            if options.pbx and not options.sqlite:
                pbx = start_pbx(target, options.pbx_every)
            try:
                serve(target, options.listen)
            finally:
                if pbx:
                    pbx.stop()
    finally:
        # The cluster this run started stops with it
        if target.cluster:
            from trytond import backend
            backend.Database(options.database).close()
            target.cluster.stop()


if __name__ == '__main__':
    main()

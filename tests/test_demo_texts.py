# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Texts the demo writes where users read them (issue #18: the board read
"None Solicitante ..." for the escalations of webchat attendances)."""
import importlib.util
import sys
import unittest
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent


def load_demo():
    sys.path.insert(0, str(ROOT / 'scripts'))
    spec = importlib.util.spec_from_file_location(
        'see_demo_script', ROOT / 'scripts' / 'demo.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class DemoTextsTestCase(unittest.TestCase):

    def test_question_without_request(self):
        "A protocol without request text gives no 'None' to the board"
        demo = load_demo()
        chat = SimpleNamespace(description=None, requester_name="Ana Lima",
            requester_phone='+5581987654321')
        self.assertEqual(demo.Loader.question_of(chat),
            "Solicitante Ana Lima aguarda retorno pelo telefone "
            "(81) 98765-4321.")
        self.assertEqual(
            demo.Loader.question_of(chat, "Quando sai a matrícula?"),
            "Quando sai a matrícula? Solicitante Ana Lima aguarda retorno "
            "pelo telefone (81) 98765-4321.")

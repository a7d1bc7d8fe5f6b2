# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The connector's two processes: no event lost at stop or when the
writer process dies.

A real trytond database, the real ``see-ami-connector`` and the AMI
simulator, as in test_connector; each test starts its own connector with
a long --batch-wait, so that the events are still in memory (not written)
when the connector is stopped or its writer is killed."""
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from trytond.modules.see_telefonia.connector.simulator import (
    AMISimulator, CallScript)
from tests.server import TrytonServer

MODULES = ['see_atendimento', 'see_sla', 'see_telefonia']
server = TrytonServer(modules=MODULES, web=False)
pbx = AMISimulator(version=20)


def setUpModule():
    pbx.start()
    server.start()
    root = server.proteus('root')
    Server = root.get('see.ami.server')
    Server(name='PABX', host='127.0.0.1', port=pbx.port, user=pbx.user,
        secret=pbx.secret).save()


def tearDownModule():
    pbx.stop()
    server.stop()


def stored(linkedids):
    "How many of the calls are stored and finished"
    return server.query("SELECT COUNT(*) FROM see_call WHERE linkedid = "
        "ANY(%s) AND disposition <> 'in_progress'", (linkedids,))[0][0]


class WriterProcessTestCase(unittest.TestCase):

    def setUp(self):
        self.spool = tempfile.mkdtemp(prefix='see-ami-spool-')
        self.log = open(os.path.join(self.spool, 'connector.log'), 'w+')
        self.processes = []

    def tearDown(self):
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        self.log.close()

    def start(self, batch_wait):
        count = len(pbx.ready_connections())
        process = subprocess.Popen([
                sys.executable, '-m',
                'trytond.modules.see_telefonia.connector',
                '-c', server.config_file, '-d', server.database,
                '--spool', self.spool, '--db-retry', '1',
                '--batch-wait', str(batch_wait)],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        self.assertTrue(pbx.wait_ready(count + 1, timeout=60),
            self.text())
        return process

    def text(self):
        self.log.flush()
        with open(self.log.name) as file:
            return file.read()

    def send_calls(self, n, caller):
        scripts = [CallScript(caller='%s%04d' % (caller, i))
            for i in range(n)]
        pbx.send_events([e for s in scripts for e in s.answered(
                    hold=5, talk=30)])
        return [s.linkedid for s in scripts]

    def writer_pid(self, process):
        "The writer process: the child that runs multiprocessing's spawn"
        with open('/proc/%d/task/%d/children' % (
                    process.pid, process.pid)) as file:
            children = file.read().split()
        for pid in children:
            with open('/proc/%s/cmdline' % pid, 'rb') as file:
                if b'spawn_main' in file.read():
                    return int(pid)
        self.fail("no writer process among %s" % children)

    def wait_stored(self, linkedids, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline and stored(linkedids) < len(linkedids):
            time.sleep(0.2)
        self.assertEqual(stored(linkedids), len(linkedids), self.text())

    def test_sigterm_writes_what_was_read(self):
        "SIGTERM: the events in memory are written before the exit"
        process = self.start(batch_wait=30)
        linkedids = self.send_calls(50, '8197001')
        time.sleep(1)
        self.assertEqual(stored(linkedids), 0)
        process.send_signal(signal.SIGTERM)
        self.assertEqual(process.wait(60), 0, self.text())
        self.assertEqual(stored(linkedids), len(linkedids), self.text())
        self.assertFalse(os.path.exists(
                os.path.join(self.spool, 'spool-1.jsonl')))

    def test_writer_killed(self):
        "A dead writer: the connector spools its events and exits with 1"
        process = self.start(batch_wait=30)
        linkedids = self.send_calls(50, '8197002')
        time.sleep(1)
        os.kill(self.writer_pid(process), signal.SIGKILL)
        self.assertEqual(process.wait(30), 1, self.text())
        self.assertIn('writer process ended', self.text())
        self.assertTrue(os.path.getsize(
                os.path.join(self.spool, 'spool-1.jsonl')), self.text())
        self.assertEqual(stored(linkedids), 0)
        # Restarted (as the service manager does), it writes the spool
        self.start(batch_wait=0.05)
        self.wait_stored(linkedids)

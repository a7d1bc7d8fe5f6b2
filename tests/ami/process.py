# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The real see-ami-connector process, as the tests run it"""
import os
import subprocess
import sys
import tempfile


class ConnectorProcess:
    """The connector on the database of a tests.server.TrytonServer, with a
    spool folder and a log file of its own; options are its command line
    options (the batch wait, the ping interval…)"""

    def __init__(self, server, *options, prefix='see-ami-spool-'):
        self.server = server
        self.options = list(options)
        self.prefix = prefix
        self.spool = None
        self.process = None
        self._log = None

    def start(self):
        self.spool = tempfile.mkdtemp(prefix=self.prefix)
        self._log = open(os.path.join(self.spool, 'connector.log'), 'w+')
        self.process = subprocess.Popen([
                sys.executable, '-m', 'trytond.modules.see_telefonia.connector',
                '-c', self.server.config_file, '-d', self.server.database,
                '--spool', self.spool, *self.options],
            stdout=self._log, stderr=subprocess.STDOUT)

    def log(self):
        "What the connector logged so far"
        self._log.flush()
        with open(self._log.name) as file:
            return file.read()

    def stop(self):
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

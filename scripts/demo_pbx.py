# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The demo's live telephony: calls moving while the demo is served.

The AMI simulator the tests use (see_telefonia/connector/simulator.py)
stands for the PBX on the port of the demo's ``see.ami.server``; the real
connector process (``python -m trytond.modules.see_telefonia.connector``)
logs in to it and writes to the demo database, as it would with Asterisk;
and a call arrives every few seconds in the queue, rings an agent (the
screen pop of atendente, atendente2 or atendente3), is talked and hung up in
real time, or is abandoned. The supervisor's panel shows them moving.
"""
import random
import subprocess
import sys
import threading
import time

from trytond.modules.see_telefonia.connector.simulator import (
    AMISimulator, CallScript)

# Extensions of the demo's agents (scripts/demo.py gives atendente 1001…)
EXTENSIONS = ['1001', '1002', '1003']


class LivePBX:
    """Start with start(port_taken) and stop with stop(); port_taken(port)
    is called when the demo's port was busy and another one is used"""

    def __init__(self, pbx, queue, database, config_file, spool, log_file,
            every=20, seed=None):
        self.pbx = pbx
        self.queue = queue
        self.database = database
        self.config_file = config_file
        self.spool = spool
        self.log_file = log_file
        self.every = every
        self.random = random.Random(seed)
        self.simulator = None
        self.connector = None
        self._log = None
        self._stop = threading.Event()
        self._thread = None

    def start(self, port_taken=None):
        self.simulator = AMISimulator(
            user=self.pbx['user'], secret=self.pbx['secret'],
            port=self.pbx['port'])
        try:
            self.simulator.start()
        except OSError:
            # Another program has the port: any free one, told to the record
            self.simulator = AMISimulator(
                user=self.pbx['user'], secret=self.pbx['secret'])
            self.simulator.start()
            if port_taken:
                port_taken(self.simulator.port)
        self.spool.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_file, 'a')
        self.connector = subprocess.Popen([sys.executable, '-m',
                'trytond.modules.see_telefonia.connector',
                '-c', str(self.config_file), '-d', self.database,
                '--spool', str(self.spool)],
            stdout=self._log, stderr=subprocess.STDOUT)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self.simulator.port

    def stop(self):
        self._stop.set()
        if self.connector and self.connector.poll() is None:
            self.connector.terminate()
            try:
                self.connector.wait(20)
            except subprocess.TimeoutExpired:
                self.connector.kill()
        if self.simulator:
            self.simulator.stop()
        if self._log:
            self._log.close()

    def _run(self):
        if not self.simulator.wait_ready(timeout=60):
            return
        # The agents log in to the queue
        self.simulator.send_events([
                CallScript(queue=self.queue, agent=extension)
                .member_status(0) for extension in EXTENSIONS])
        while not self._stop.is_set():
            threading.Thread(target=self._play, args=(self._script(),),
                daemon=True).start()
            self._stop.wait(self.every)

    def _script(self):
        "The events of the next call: mostly answered, some abandoned"
        rnd = self.random
        caller = '81' + ''.join(rnd.choice('0123456789') for _ in range(9))
        call = CallScript(caller=caller, queue=self.queue,
            agent=rnd.choice(EXTENSIONS))
        if rnd.random() < 0.2:
            return call.abandoned(ivr=3, wait=rnd.randint(5, 25))
        return call.answered(ivr=3, hold=rnd.randint(4, 30),
            talk=rnd.randint(20, 90), survey=rnd.choice([None, 8, 9, 10]))

    def _play(self, events):
        "Send each event at the time it carries, as the PBX would"
        for event in events:
            at = float(dict(event).get('Timestamp', time.time()))
            if self._stop.wait(max(0, at - time.time())):
                return
            self.simulator.send_events([event])

/* This file is part of the Central de Atendimento SEE project.
   The COPYRIGHT file at the top level of this repository contains
   the full copyright notices and license terms. */
/* The TV panel: the ticket called and its desk, large, a chime and the
   spoken announcement, the last calls. It long-polls the server, which
   waits on Tryton's bus (see pages.py for the contract). */
(function () {
    'use strict';

    const device = window.seeDevice;
    const HISTORY = 8;
    const seen = new Set();
    let history = [];
    let audio = null;

    function element(id) {
        return document.getElementById(id);
    }

    function audioContext() {
        const Context = window.AudioContext || window.webkitAudioContext;
        if (!Context) {
            return null;
        }
        if (!audio) {
            audio = new Context();
        }
        return audio;
    }

    function soundButton() {
        const context = audioContext();
        element('sound').hidden = !context || context.state === 'running';
    }

    function chime() {
        // Two notes generated on the spot: no sound file to serve
        const context = audioContext();
        if (!context || context.state !== 'running') {
            return;
        }
        const start = context.currentTime;
        [[660, 0], [880, 0.35]].forEach(function (note) {
            const oscillator = context.createOscillator();
            const gain = context.createGain();
            oscillator.type = 'sine';
            oscillator.frequency.value = note[0];
            gain.gain.setValueAtTime(0.0001, start + note[1]);
            gain.gain.exponentialRampToValueAtTime(0.4, start + note[1] + 0.03);
            gain.gain.exponentialRampToValueAtTime(
                0.0001, start + note[1] + 0.6);
            oscillator.connect(gain).connect(context.destination);
            oscillator.start(start + note[1]);
            oscillator.stop(start + note[1] + 0.65);
        });
    }

    function speak(text) {
        if (!window.speechSynthesis || !window.SpeechSynthesisUtterance) {
            return;
        }
        const utterance = new window.SpeechSynthesisUtterance(text);
        utterance.lang = 'pt-BR';
        utterance.rate = 0.9;
        const voice = window.speechSynthesis.getVoices().find(
            function (v) {
                return /^pt(-|_)BR/i.test(v.lang);
            });
        if (voice) {
            utterance.voice = voice;
        }
        // After the chime
        window.setTimeout(function () {
            window.speechSynthesis.speak(utterance);
        }, 900);
    }

    function time(iso) {
        const date = new Date(iso);
        return isNaN(date) ? '' : date.toLocaleTimeString('pt-BR',
            {hour: '2-digit', minute: '2-digit'});
    }

    function showCurrent(call) {
        element('current-number').textContent = call.number;
        element('current-desk').textContent = call.desk;
        element('current-service').textContent = call.service;
    }

    function renderHistory() {
        const body = element('history');
        body.textContent = '';
        history.slice(0, HISTORY).forEach(function (call) {
            const row = document.createElement('tr');
            [call.number, call.desk, call.service, time(call.date)].forEach(
                function (value) {
                    const cell = document.createElement('td');
                    cell.textContent = value;
                    row.appendChild(cell);
                });
            body.appendChild(row);
        });
    }

    function remember(call) {
        seen.add(call.key);
        // A recall moves the ticket to the top
        history = history.filter(function (c) {
            return c.number !== call.number;
        });
        history.unshift(call);
    }

    function announce(call) {
        remember(call);
        showCurrent(call);
        renderHistory();
        element('announcement').textContent = call.announcement;
        element('current-number').classList.remove('flash');
        void element('current-number').offsetWidth;
        element('current-number').classList.add('flash');
        chime();
        speak(call.announcement);
    }

    function status(text) {
        element('status').textContent = text;
    }

    async function catchUp(silent) {
        // The last calls from the database: a reconnected panel loses
        // nothing, and announces only the newest it had not shown
        const data = await device.api('panel/calls');
        element('site-name').textContent = data.site;
        const fresh = data.calls.filter(function (call) {
            return !seen.has(call.key);
        });
        fresh.forEach(remember);
        if (fresh.length && !silent) {
            announce(fresh[fresh.length - 1]);
        } else if (history.length) {
            showCurrent(history[0]);
            renderHistory();
        }
        element('board').hidden = false;
        element('setup').hidden = true;
        return data.last;
    }

    async function loop() {
        let last = null;
        let first = true;
        for (;;) {
            try {
                if (last === null) {
                    last = await catchUp(first);
                    first = false;
                    status('');
                }
                const data = await device.api(
                    'panel/calls?last=' + encodeURIComponent(last));
                data.calls.forEach(function (call) {
                    if (!seen.has(call.key)) {
                        announce(call);
                    }
                });
                // After a wait with no call, look at the database again:
                // whatever the bus could not carry is shown then
                last = data.calls.length ? data.last : null;
            } catch (error) {
                if (error.status === 403) {
                    return;
                }
                status('Sem conexão com o servidor. Tentando novamente…');
                last = null;
                await device.sleep(3000);
            }
        }
    }

    function run() {
        element('sound').addEventListener('click', function () {
            const context = audioContext();
            if (context) {
                context.resume().then(soundButton);
            }
        });
        soundButton();
        loop();
    }

    document.addEventListener('DOMContentLoaded', function () {
        device.start(run);
    });
}());

/* This file is part of the Central de Atendimento SEE project.
   The COPYRIGHT file at the top level of this repository contains
   the full copyright notices and license terms. */
/* The evaluation tablet of a desk: when the desk finishes an attendance,
   it asks the citizen for a score from 0 to 10, thanks and goes back to
   waiting. It asks the server every few seconds. */
(function () {
    'use strict';

    const device = window.seeDevice;
    const POLL = 3000;
    const THANKS_SHOWN = 6000;
    let pending = null;

    function element(id) {
        return document.getElementById(id);
    }

    function show(name) {
        ['idle', 'ask', 'thanks'].forEach(function (id) {
            element(id).hidden = id !== name;
        });
    }

    function askError(message) {
        element('ask-error').textContent = message || '';
        element('ask-error-box').hidden = !message;
    }

    function buildScores() {
        const scores = element('scores');
        for (let score = 0; score <= 10; score++) {
            const button = document.createElement('button');
            button.type = 'button';
            button.className = 'br-button secondary score';
            button.textContent = String(score);
            button.dataset.score = String(score);
            button.setAttribute('aria-label', 'Nota ' + score);
            button.addEventListener('click', function () {
                evaluate(score);
            });
            scores.appendChild(button);
        }
    }

    async function evaluate(score) {
        if (!pending) {
            return;
        }
        askError('');
        element('scores').querySelectorAll('button').forEach(function (b) {
            b.disabled = true;
        });
        try {
            await device.api('tablet/evaluation', {
                method: 'POST',
                json: {ticket: pending.ticket, score: score},
            });
            pending = null;
            element('thanks-text').textContent = 'Você deu nota ' + score +
                '. Sua opinião ajuda a melhorar o atendimento.';
            show('thanks');
            await device.sleep(THANKS_SHOWN);
            show('idle');
        } catch (error) {
            if (error.status !== 403) {
                askError(error.message);
            }
        } finally {
            element('scores').querySelectorAll('button').forEach(
                function (b) {
                    b.disabled = false;
                });
        }
    }

    async function poll() {
        for (;;) {
            if (element('thanks').hidden) {
                try {
                    const state = await device.api('tablet/state');
                    element('site-name').textContent =
                        state.site + ' · ' + state.desk;
                    element('screen').hidden = false;
                    element('setup').hidden = true;
                    const ticket = state.pending;
                    if (ticket && (!pending || pending.ticket !== ticket.ticket)) {
                        pending = ticket;
                        element('ask-number').textContent = ticket.number;
                        askError('');
                        show('ask');
                    } else if (!ticket && pending === null &&
                            element('ask').hidden === false) {
                        show('idle');
                    } else if (!ticket && pending) {
                        pending = null;
                        show('idle');
                    }
                } catch (error) {
                    if (error.status === 403) {
                        return;
                    }
                }
            }
            await device.sleep(POLL);
        }
    }

    document.addEventListener('DOMContentLoaded', function () {
        device.start(function () {
            buildScores();
            show('idle');
            poll();
        });
    });
}());

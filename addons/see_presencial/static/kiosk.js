/* This file is part of the Central de Atendimento SEE project.
   The COPYRIGHT file at the top level of this repository contains
   the full copyright notices and license terms. */
/* The kiosk: choose the service, say whether a priority applies, give the
   CPF and the name if wished, get the ticket as a printable receipt.
   Where see_agendamento is installed, a booked citizen checks in with the
   appointment's code or CPF and gets the ticket of their time. */
(function () {
    'use strict';

    const device = window.seeDevice;
    // The receipt goes back to the form after this long
    const RECEIPT_SHOWN = 60000;
    let resetTimer = null;

    function element(id) {
        return document.getElementById(id);
    }

    function radio(container, name, value, label, help, checked) {
        const id = name + '-' + (value || 'none');
        const wrapper = document.createElement('div');
        wrapper.className = 'br-radio choice';
        const input = document.createElement('input');
        input.type = 'radio';
        input.name = name;
        input.id = id;
        input.value = value;
        // The default too: a reset of the form comes back to it
        input.defaultChecked = Boolean(checked);
        input.checked = Boolean(checked);
        const text = document.createElement('label');
        text.htmlFor = id;
        const title = document.createElement('span');
        title.className = 'choice-title';
        title.textContent = label;
        text.appendChild(title);
        if (help) {
            const small = document.createElement('span');
            small.className = 'choice-help';
            small.textContent = help;
            text.appendChild(small);
        }
        wrapper.appendChild(input);
        wrapper.appendChild(text);
        container.appendChild(wrapper);
    }

    function showError(message) {
        element('form-error').textContent = message || '';
        element('form-error-box').hidden = !message;
    }

    function cpfError(message) {
        const error = element('cpf-error');
        error.textContent = message || '';
        error.hidden = !message;
        element('cpf-field').classList.toggle('danger', Boolean(message));
        element('cpf').setAttribute('aria-invalid', message ? 'true' : 'false');
    }

    async function load() {
        const options = await device.api('kiosk/options');
        element('site-name').textContent = options.site;
        const services = element('services');
        services.textContent = '';
        options.services.forEach(function (service, index) {
            radio(services, 'service', String(service.id), service.name,
                'Senha ' + service.prefix, index === 0);
        });
        const priorities = element('priorities');
        priorities.textContent = '';
        radio(priorities, 'priority', '', 'Não, atendimento normal', '',
            true);
        options.priorities.forEach(function (priority) {
            radio(priorities, 'priority', String(priority.id),
                'Sim: ' + priority.name, priority.legal_basis, false);
        });
        element('check-in-offer').hidden = !options.check_in;
        element('issue-form').hidden = false;
        element('setup').hidden = true;
    }

    function chosen(name) {
        const input = document.querySelector(
            'input[name="' + name + '"]:checked');
        return input ? input.value : '';
    }

    function showReceipt(ticket) {
        element('receipt-number').textContent = ticket.number;
        element('receipt-service').textContent = ticket.service;
        if (ticket.scheduled) {
            element('receipt-priority').textContent =
                'Agendado, horário ' + ticket.scheduled;
        } else {
            element('receipt-priority').textContent = ticket.priority ?
                'Prioritário: ' + ticket.priority : 'Normal';
        }
        element('receipt-ahead').textContent = String(ticket.ahead);
        element('receipt-estimate').textContent =
            ticket.estimate === null ? 'Sem estimativa no momento' :
            'cerca de ' + ticket.estimate + ' min';
        element('receipt-site').textContent = ticket.site;
        element('receipt-date').textContent = new Date(
            ticket.issue_date).toLocaleString('pt-BR');
        element('issue-form').hidden = true;
        element('check-in-form').hidden = true;
        element('receipt').hidden = false;
        element('receipt-title').setAttribute('tabindex', '-1');
        element('receipt-title').focus();
        window.clearTimeout(resetTimer);
        resetTimer = window.setTimeout(reset, RECEIPT_SHOWN);
    }

    function reset() {
        window.clearTimeout(resetTimer);
        element('issue-form').reset();
        cpfError('');
        showError('');
        element('check-in-form').reset();
        checkInError('', '');
        element('receipt').hidden = true;
        element('check-in-form').hidden = true;
        element('issue-form').hidden = false;
        element('issue-title').setAttribute('tabindex', '-1');
        element('issue-title').focus();
    }

    function checkInError(field, message) {
        const error = element('code-error');
        error.textContent = field;
        error.hidden = !field;
        element('code-field').classList.toggle('danger', Boolean(field));
        element('code').setAttribute(
            'aria-invalid', field ? 'true' : 'false');
        element('check-in-error').textContent = message;
        element('check-in-error-box').hidden = !message;
    }

    function openCheckIn() {
        window.clearTimeout(resetTimer);
        checkInError('', '');
        element('issue-form').hidden = true;
        element('check-in-form').hidden = false;
        element('code').focus();
    }

    async function checkIn(event) {
        event.preventDefault();
        const button = element('check-in');
        const code = element('code').value.trim();
        checkInError('', '');
        if (!code) {
            checkInError('Digite o código do agendamento (começa com AG) ' +
                'ou o seu CPF.', '');
            element('code').focus();
            return;
        }
        button.disabled = true;
        try {
            // The route of see_agendamento, beside see_presencial's
            const data = await device.api(
                '../see_agendamento/kiosk/check_in', {
                method: 'POST',
                json: {code: code},
            });
            showReceipt(data.ticket);
        } catch (error) {
            if (error.status === 403) {
                return;
            }
            if (/CPF/.test(error.message) && !/agendamento/i.test(
                    error.message)) {
                checkInError(error.message, '');
                element('code').focus();
            } else {
                checkInError('', error.message);
                element('check-in-error-box').setAttribute('tabindex', '-1');
                element('check-in-error-box').focus();
            }
        } finally {
            button.disabled = false;
        }
    }

    async function issue(event) {
        event.preventDefault();
        const button = element('issue');
        showError('');
        cpfError('');
        const cpf = element('cpf').value.trim();
        if (cpf && cpf.replace(/\D/g, '').length !== 11) {
            cpfError('O CPF tem 11 dígitos. Confira ou deixe em branco.');
            element('cpf').focus();
            return;
        }
        button.disabled = true;
        try {
            const data = await device.api('kiosk/tickets', {
                method: 'POST',
                json: {
                    service: Number(chosen('service')),
                    priority: chosen('priority') ?
                        Number(chosen('priority')) : null,
                    cpf: cpf,
                    name: element('name').value.trim(),
                },
            });
            showReceipt(data.ticket);
        } catch (error) {
            if (error.status === 403) {
                return;
            }
            if (/CPF/.test(error.message)) {
                cpfError(error.message);
                element('cpf').focus();
            } else {
                showError(error.message);
            }
        } finally {
            button.disabled = false;
        }
    }

    function run() {
        element('issue-form').addEventListener('submit', issue);
        element('again').addEventListener('click', reset);
        element('check-in-open').addEventListener('click', openCheckIn);
        element('check-in-back').addEventListener('click', reset);
        element('check-in-form').addEventListener('submit', checkIn);
        element('print').addEventListener('click', function () {
            window.print();
        });
        load().catch(function (error) {
            if (error.status !== 403) {
                showError(error.message);
                element('issue-form').hidden = false;
            }
        });
    }

    document.addEventListener('DOMContentLoaded', function () {
        device.start(run);
    });
}());

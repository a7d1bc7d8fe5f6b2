// This file is part of the Central de Atendimento SEE project.
// The COPYRIGHT file at the top level of this repository contains
// the full copyright notices and license terms.
// The citizen's booking: service, channel, day, time, identification.
'use strict';

(() => {
    const {api, base, cpfValid, showError, button} = SeeBooking;
    const $ = (id) => document.getElementById(id);
    const state = {types: [], type: null, days: [], token: null};

    function channel() {
        const type = state.type;
        if (type.channels.length === 1) {
            return type.channels[0];
        }
        return document.querySelector('input[name=channel]:checked').value;
    }

    async function loadTypes() {
        const data = await api('types');
        state.types = data.types;
        const container = $('types');
        container.textContent = '';
        for (const type of data.types) {
            const wrap = document.createElement('div');
            wrap.className = 'br-radio choice';
            const input = document.createElement('input');
            input.type = 'radio';
            input.name = 'type';
            input.id = 'type-' + type.id;
            input.value = type.id;
            input.addEventListener('change', () => chooseType(type));
            const label = document.createElement('label');
            label.htmlFor = input.id;
            label.textContent = type.name + ' — ' + type.site;
            wrap.append(input, label);
            container.append(wrap);
        }
    }

    // A link with ?service=ID (the assistant's answer) chooses the first
    // type of the service
    async function chooseService(service) {
        const type = state.types.find(
            (t) => service && String(t.service_id) === service);
        if (type) {
            $('type-' + type.id).checked = true;
            await chooseType(type);
        }
    }

    async function chooseType(type) {
        showError('');
        state.type = type;
        $('channel-step').hidden = type.channels.length < 2;
        await loadSlots();
    }

    async function loadSlots() {
        const data = await api('slots?type=' + state.type.id);
        state.days = data.days;
        const days = $('days');
        days.textContent = '';
        $('day-step').hidden = false;
        $('no-days').hidden = data.days.length > 0;
        $('slot-step').hidden = true;
        data.days.forEach((day, index) => {
            const element = button(day.label, () => chooseDay(index),
                'day');
            element.setAttribute('aria-pressed', 'false');
            element.dataset.date = day.date;
            days.append(element);
        });
    }

    function chooseDay(index) {
        const day = state.days[index];
        for (const element of $('days').children) {
            element.setAttribute('aria-pressed',
                String(element.dataset.date === day.date));
        }
        const slots = $('slots');
        slots.textContent = '';
        for (const slot of day.slots) {
            const element = button(slot.time, () => hold(slot), 'slot');
            element.dataset.start = slot.start;
            element.setAttribute('aria-label',
                day.label + ' às ' + slot.time);
            slots.append(element);
        }
        $('slot-step').hidden = false;
        $('slot-step').scrollIntoView({block: 'nearest'});
    }

    async function hold(slot) {
        showError('');
        try {
            const data = await api('hold', {
                type: state.type.id, channel: channel(), start: slot.start});
            state.token = data.token;
            $('held').textContent = 'Horário das ' + slot.time +
                ' reservado para você por ' + data.minutes +
                ' minutos. Preencha seus dados para confirmar.';
            $('choose').hidden = true;
            $('identify').hidden = false;
            $('name').focus();
        } catch (error) {
            showError(error.message);
            await loadSlots();
        }
    }

    function checkCpf() {
        const input = $('cpf');
        const ok = cpfValid(input.value);
        input.setAttribute('aria-invalid', String(!ok));
        $('cpf-field').classList.toggle('danger', !ok);
        $('cpf-error').hidden = ok;
        $('cpf-error').textContent = ok ? '' :
            'CPF inválido. Confira os 11 dígitos.';
        return ok;
    }

    async function confirm(event) {
        event.preventDefault();
        showError('');
        if (!checkCpf()) {
            $('cpf').focus();
            return;
        }
        if (!$('consent').checked) {
            showError('Leia o aviso sobre o uso dos seus dados pessoais ' +
                '(LGPD) e marque o campo "Li e aceito o aviso de ' +
                'privacidade" para continuar.');
            $('consent').focus();
            return;
        }
        const button = $('confirm');
        button.disabled = true;
        try {
            const data = await api(
                'appointment/' + encodeURIComponent(state.token) +
                '/confirm', {
                    name: $('name').value, cpf: $('cpf').value,
                    email: $('email').value, phone: $('phone').value,
                    consent: $('consent').checked});
            const appointment = data.appointment;
            $('done-number').textContent = appointment.number;
            $('done-service').textContent = appointment.service;
            $('done-when').textContent = appointment.when;
            $('done-channel').textContent = appointment.channel_string;
            $('done-site').textContent = appointment.site;
            $('done-link').href = base + 'appointment/' +
                encodeURIComponent(state.token);
            $('identify').hidden = true;
            $('done').hidden = false;
            $('done-title').focus();
        } catch (error) {
            showError(error.message);
        } finally {
            button.disabled = false;
        }
    }

    async function back() {
        if (state.token) {
            try {
                await api('appointment/' + encodeURIComponent(state.token) +
                    '/cancel', {});
            } catch (error) {
                // The hold expires by itself
            }
            state.token = null;
        }
        $('identify').hidden = true;
        $('choose').hidden = false;
        await loadSlots();
    }

    document.addEventListener('DOMContentLoaded', async () => {
        $('identify').addEventListener('submit', confirm);
        $('cpf').addEventListener('blur', () => {
            if ($('cpf').value) {
                checkCpf();
            }
        });
        $('back').addEventListener('click', back);
        for (const input of document.querySelectorAll(
                'input[name=channel]')) {
            input.addEventListener('change', () => {
                if (state.type) {
                    loadSlots();
                }
            });
        }
        $('done-title').tabIndex = -1;
        try {
            await loadTypes();
            await chooseService(new URLSearchParams(
                window.location.search).get('service'));
        } catch (error) {
            showError(error.message);
        }
        document.body.dataset.ready = '1';
    });
})();

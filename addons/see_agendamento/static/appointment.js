// This file is part of the Central de Atendimento SEE project.
// The COPYRIGHT file at the top level of this repository contains
// the full copyright notices and license terms.
// The citizen's private page of an appointment: see, reschedule, cancel.
'use strict';

(() => {
    const {api, showError, button} = SeeBooking;
    const $ = (id) => document.getElementById(id);
    const token = decodeURIComponent(location.pathname.split('/').pop());
    const path = 'appointment/' + encodeURIComponent(token);
    let current = null;

    function show(appointment) {
        current = appointment;
        $('number').textContent = appointment.number || '';
        $('state').textContent = appointment.state_string;
        $('service').textContent = appointment.service;
        $('when').textContent = appointment.when;
        $('channel').textContent = appointment.channel_string;
        $('site').textContent = appointment.site;
        const documents = $('documents-list');
        documents.textContent = '';
        for (const name of appointment.documents || []) {
            const item = document.createElement('li');
            item.textContent = name;
            documents.append(item);
        }
        $('documents').hidden = !documents.children.length;
        $('details').hidden = false;
        $('manage').hidden = appointment.state !== 'confirmed';
    }

    async function loadSlots() {
        const data = await api('slots?type=' + current.type);
        const days = $('days');
        days.textContent = '';
        data.days.forEach((day) => {
            days.append(button(day.label, () => {
                const slots = $('slots');
                slots.textContent = '';
                for (const slot of day.slots) {
                    const element = button(slot.time,
                        () => reschedule(slot), 'slot');
                    element.setAttribute('aria-label',
                        'Remarcar para ' + day.label + ' às ' + slot.time);
                    slots.append(element);
                }
            }, 'day'));
        });
    }

    async function reschedule(slot) {
        showError('');
        try {
            const data = await api(path + '/reschedule', {start: slot.start});
            show(data.appointment);
            $('slots').textContent = '';
            await loadSlots();
        } catch (error) {
            showError(error.message);
        }
    }

    async function cancel() {
        showError('');
        if (!window.confirm('Cancelar este agendamento?')) {
            return;
        }
        try {
            const data = await api(path + '/cancel', {});
            show(data.appointment);
        } catch (error) {
            showError(error.message);
        }
    }

    document.addEventListener('DOMContentLoaded', async () => {
        $('cancel').addEventListener('click', cancel);
        try {
            const data = await api(path);
            show(data.appointment);
            if (current.state === 'confirmed') {
                await loadSlots();
            }
        } catch (error) {
            showError(error.message);
        }
        document.body.dataset.ready = '1';
    });
})();

// This file is part of the Central de Atendimento SEE project.
// The COPYRIGHT file at the top level of this repository contains
// the full copyright notices and license terms.
// What the booking pages share: the API calls and the CPF check.
'use strict';

const SeeBooking = (() => {
    const database = decodeURIComponent(location.pathname.split('/')[1]);
    const base = '/' + encodeURIComponent(database) + '/see_agendamento/';

    async function api(path, data) {
        const options = {headers: {'Content-Type': 'application/json'}};
        if (data !== undefined) {
            options.method = 'POST';
            options.body = JSON.stringify(data);
        }
        let response;
        try {
            response = await fetch(base + 'api/' + path, options);
        } catch (e) {
            throw new Error('Sem conexão com o servidor. Tente novamente.');
        }
        let body = {};
        try {
            body = await response.json();
        } catch (e) {
            body = {};
        }
        if (!response.ok) {
            const message = (body.error && body.error.message) ||
                'O servidor não pôde atender. Tente novamente.';
            const error = new Error(message);
            error.status = response.status;
            throw error;
        }
        return body;
    }

    function cpfValid(value) {
        const digits = (value || '').replace(/\D/g, '');
        if (digits.length !== 11 || /^(\d)\1{10}$/.test(digits)) {
            return false;
        }
        for (const size of [9, 10]) {
            let sum = 0;
            for (let i = 0; i < size; i++) {
                sum += Number(digits[i]) * (size + 1 - i);
            }
            const check = (sum * 10) % 11 % 10;
            if (check !== Number(digits[size])) {
                return false;
            }
        }
        return true;
    }

    function showError(message) {
        const box = document.getElementById('error-box');
        document.getElementById('error').textContent = message || '';
        box.hidden = !message;
        if (message) {
            box.scrollIntoView({block: 'nearest'});
        }
    }

    function button(text, onClick, extra) {
        const element = document.createElement('button');
        element.type = 'button';
        element.className = 'br-button secondary ' + (extra || '');
        element.textContent = text;
        element.addEventListener('click', onClick);
        return element;
    }

    return {base, api, cpfValid, showError, button};
})();

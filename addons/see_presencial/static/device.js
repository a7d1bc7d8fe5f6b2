/* This file is part of the Central de Atendimento SEE project.
   The COPYRIGHT file at the top level of this repository contains
   the full copyright notices and license terms. */
/* What the pages of the site's devices share: the device's token (given
   once in the address as #token=..., then kept by the browser), the calls
   to their JSON API with it, the setup form shown while no valid token is
   known. */
(function () {
    'use strict';

    const parts = window.location.pathname.split('/');
    const database = decodeURIComponent(parts[1] || '');
    const kind = document.body.dataset.kind;
    const storageKey = 'see_presencial_token:' + database + ':' + kind;
    const base = '/' + encodeURIComponent(database) + '/see_presencial/';

    function readFragment() {
        const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
        if (match) {
            window.localStorage.setItem(
                storageKey, decodeURIComponent(match[1]));
            // Out of the address bar and the history
            window.history.replaceState(
                null, '', window.location.pathname + window.location.search);
        }
    }

    function token() {
        return window.localStorage.getItem(storageKey) || '';
    }

    class ApiError extends Error {
        constructor(status, message) {
            super(message);
            this.status = status;
        }
    }

    async function api(path, options) {
        options = options || {};
        const headers = {'X-Device-Token': token()};
        let body;
        if (options.json !== undefined) {
            headers['Content-Type'] = 'application/json';
            body = JSON.stringify(options.json);
        }
        let response;
        try {
            response = await fetch(base + path, {
                method: options.method || 'GET',
                headers: headers,
                body: body,
                cache: 'no-store',
                signal: options.signal,
            });
        } catch (error) {
            throw new ApiError(0,
                'Sem conexão com o servidor. Tentando novamente…');
        }
        let data = null;
        try {
            data = await response.json();
        } catch (error) {
            data = null;
        }
        if (!response.ok) {
            const message = (data && data.error && data.error.message) ||
                'O servidor não respondeu como esperado. Tente novamente.';
            if (response.status === 403) {
                showSetup(message);
            }
            throw new ApiError(response.status, message);
        }
        return data;
    }

    function showSetup(message) {
        const setup = document.getElementById('setup');
        if (!setup) {
            return;
        }
        document.querySelectorAll('[data-when="ready"]').forEach(
            function (element) {
                element.hidden = true;
            });
        setup.hidden = false;
        document.getElementById('setup-message').textContent = message ||
            'Este dispositivo ainda não foi configurado.';
    }

    function start(run) {
        readFragment();
        const form = document.getElementById('setup-form');
        form.addEventListener('submit', function (event) {
            event.preventDefault();
            const value = document.getElementById('setup-token').value.trim();
            if (value) {
                window.localStorage.setItem(storageKey, value);
                window.location.reload();
            }
        });
        if (!token()) {
            showSetup('');
            return;
        }
        run();
    }

    function sleep(ms) {
        return new Promise(function (resolve) {
            window.setTimeout(resolve, ms);
        });
    }

    window.seeDevice = {api: api, start: start, sleep: sleep,
        ApiError: ApiError, showSetup: showSetup};
}());

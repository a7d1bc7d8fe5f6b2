// This file is part of the Central de Atendimento SEE project.
// The COPYRIGHT file at the top level of this repository contains
// the full copyright notices and license terms.
// The video room: peer-to-peer WebRTC between the agent and the citizen,
// the signalling polled through the server, a chat kept on the protocol.
// The agent makes the offer when the citizen says hello.
'use strict';

(() => {
    const {api, showError} = SeeBooking;
    const $ = (id) => document.getElementById(id);
    const token = decodeURIComponent(location.pathname.split('/').pop());
    const path = 'video/' + encodeURIComponent(token);
    const POLL = 500;
    let side = null;
    let peer = null;
    let stream = null;
    let after = 0;
    let chatAfter = 0;
    let offered = false;
    const pending = [];

    function status(text) {
        $('status').textContent = text;
    }

    function signal(kind, payload) {
        return api(path + '/signals', {kind, payload});
    }

    function newPeer(iceServers) {
        peer = new RTCPeerConnection({iceServers});
        for (const track of stream.getTracks()) {
            peer.addTrack(track, stream);
        }
        peer.onicecandidate = (event) => {
            if (event.candidate) {
                signal('candidate', event.candidate.toJSON());
            }
        };
        peer.ontrack = (event) => {
            $('remote').srcObject = event.streams[0];
        };
        peer.onconnectionstatechange = () => {
            const texts = {
                connected: 'Conectado.',
                disconnected: 'Conexão interrompida. Tentando de novo…',
                failed: 'Não foi possível conectar. Recarregue a página.',
            };
            if (texts[peer.connectionState]) {
                status(texts[peer.connectionState]);
            }
        };
    }

    async function offer() {
        offered = true;
        const description = await peer.createOffer();
        await peer.setLocalDescription(description);
        await signal('offer', {type: description.type,
            sdp: description.sdp});
        status('Chamando o cidadão…');
    }

    async function handle(message) {
        const payload = message.payload;
        if (message.kind === 'hello' && side === 'agent' && !offered) {
            await offer();
        } else if (message.kind === 'offer' && side === 'citizen') {
            await peer.setRemoteDescription(payload);
            const answer = await peer.createAnswer();
            await peer.setLocalDescription(answer);
            await signal('answer', {type: answer.type, sdp: answer.sdp});
            await flush();
        } else if (message.kind === 'answer' && side === 'agent') {
            await peer.setRemoteDescription(payload);
            await flush();
        } else if (message.kind === 'candidate') {
            if (peer.remoteDescription) {
                await peer.addIceCandidate(payload);
            } else {
                pending.push(payload);
            }
        }
    }

    async function flush() {
        while (pending.length) {
            await peer.addIceCandidate(pending.shift());
        }
    }

    function addMessage(message) {
        const item = document.createElement('li');
        const who = document.createElement('strong');
        who.textContent = (message.side === side ? 'Você' :
            (message.author || (message.side === 'agent' ?
                'Atendente' : 'Cidadão'))) + ': ';
        item.append(who, document.createTextNode(message.text));
        item.dataset.side = message.side;
        $('messages').append(item);
    }

    async function poll() {
        try {
            const data = await api(path + '/signals?after=' + after +
                '&chat=' + chatAfter);
            for (const message of data.signals) {
                after = Math.max(after, message.id);
                await handle(message);
            }
            for (const message of data.chat) {
                chatAfter = Math.max(chatAfter, message.id);
                addMessage(message);
            }
            showConsent(data.consent);
        } catch (error) {
            showError(error.message);
        }
        setTimeout(poll, POLL);
    }

    async function send(event) {
        event.preventDefault();
        const input = $('chat-text');
        if (!input.value.trim()) {
            return;
        }
        try {
            await api(path + '/chat', {text: input.value});
            input.value = '';
            showError('');
        } catch (error) {
            showError(error.message);
        }
    }

    // For the tests and the support: the frames received so far
    window.seeVideo = {
        async framesDecoded() {
            if (!peer) {
                return 0;
            }
            let frames = 0;
            const stats = await peer.getStats();
            stats.forEach((report) => {
                if (report.type === 'inbound-rtp' &&
                        report.kind === 'video') {
                    frames += report.framesDecoded || 0;
                }
            });
            return frames;
        },
        state: () => peer ? peer.connectionState : 'new',
    };

    const CONSENT = {
        granted: 'Gravação autorizada pelo cidadão.',
        refused: 'Gravação não autorizada pelo cidadão.',
    };

    function showConsent(consent) {
        $('consent-form').hidden = side !== 'citizen' || Boolean(consent);
        $('consent-status').hidden = !consent && side === 'citizen';
        $('consent-status').textContent = CONSENT[consent] ||
            'O cidadão ainda não respondeu sobre a gravação.';
    }

    async function answerConsent(granted) {
        try {
            const data = await api(path + '/consent', {granted});
            showConsent(data.consent);
        } catch (error) {
            showError(error.message);
        }
    }

    document.addEventListener('DOMContentLoaded', async () => {
        $('chat-form').addEventListener('submit', send);
        $('consent-yes').addEventListener('click', () => answerConsent(true));
        $('consent-no').addEventListener('click', () => answerConsent(false));
        try {
            const room = await api(path);
            side = room.side;
            showConsent(room.consent);
            const appointment = room.appointment;
            $('title').textContent = 'Atendimento por vídeo · ' +
                appointment.service;
            $('remote-label').textContent = side === 'agent' ?
                (appointment.name || 'Cidadão') : 'Atendente';
            stream = await navigator.mediaDevices.getUserMedia(
                {video: true, audio: true});
            $('local').srcObject = stream;
            newPeer(room.ice_servers);
            if (side === 'citizen') {
                status('Aguardando o atendente…');
                await signal('hello', null);
            } else {
                status('Aguardando o cidadão…');
            }
            document.body.dataset.ready = '1';
            poll();
        } catch (error) {
            showError(error.message ||
                'Permita o acesso à câmera e ao microfone.');
        }
    });
})();

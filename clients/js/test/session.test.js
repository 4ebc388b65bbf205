import assert from 'node:assert/strict';
import { test } from 'node:test';

import { newSessionId } from '../session.js';
import { TaigaEventsClient } from '../taiga-events.js';

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

class UnusedSocket {}

test('one random session id per client, offered as the x-session-id header', () => {
  const first = new TaigaEventsClient({ WebSocket: UnusedSocket });
  const second = new TaigaEventsClient({ WebSocket: UnusedSocket });
  assert.match(first.sessionId, UUID4);
  assert.notEqual(first.sessionId, second.sessionId);
  assert.equal(first.sessionId, first.sessionId);
  assert.deepEqual(first.headers(), { 'x-session-id': first.sessionId });
  const given = new TaigaEventsClient({ WebSocket: UnusedSocket, sessionId: 'tab-1' });
  assert.deepEqual(given.headers(), { 'x-session-id': 'tab-1' });
});

test('without crypto.randomUUID (insecure contexts) a v4 UUID is still made', () => {
  const withRandomValues = newSessionId({ getRandomValues: (b) => crypto.getRandomValues(b) });
  const withNothing = newSessionId({});
  const withoutCrypto = newSessionId(undefined);
  for (const id of [withRandomValues, withNothing, withoutCrypto]) assert.match(id, UUID4);
  assert.equal(new Set([withRandomValues, withNothing, withoutCrypto]).size, 3);
  assert.equal(newSessionId({ randomUUID: () => 'from-crypto' }), 'from-crypto');
});

test('a missing WebSocket is reported with the way out', () => {
  assert.throws(() => new TaigaEventsClient({ WebSocket: null }), /experimental-websocket/);
});

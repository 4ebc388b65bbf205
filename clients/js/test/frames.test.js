import assert from 'node:assert/strict';
import { test } from 'node:test';

import { encodeCommand, parseFrame } from '../frames.js';

test('event frames keep the routing key, session id, data and unknown fields', () => {
  const text = JSON.stringify({
    routing_key: 'changes.project.5.tasks.task',
    session_id: 's-1',
    data: { type: 'change', matches: 'tasks.task', pk: [1, 2], extra: true },
    event_id: 'later-versions-may-add-this',
  });
  const { kind, event } = parseFrame(text);
  assert.equal(kind, 'event');
  assert.equal(event.routingKey, 'changes.project.5.tasks.task');
  assert.equal(event.sessionId, 's-1');
  assert.deepEqual(event.data, { type: 'change', matches: 'tasks.task', pk: [1, 2], extra: true });
  assert.equal(event.frame.event_id, 'later-versions-may-add-this');
});

test('a missing session id or data is tolerated', () => {
  const { event } = parseFrame('{"routing_key":"notifications","session_id":null}');
  assert.equal(event.sessionId, null);
  assert.deepEqual(event.data, {});
});

test('replies: pong, ack and error with their ids and codes', () => {
  assert.deepEqual(parseFrame('{"cmd":"pong"}'), { kind: 'pong', id: null });
  assert.deepEqual(parseFrame('{"cmd":"pong","id":3}'), { kind: 'pong', id: 3 });
  assert.deepEqual(parseFrame('{"cmd":"ack","id":"a","later":1}'), { kind: 'ack', id: 'a' });
  assert.deepEqual(
    parseFrame('{"cmd":"error","id":4,"code":"forbidden","message":"no"}'),
    { kind: 'error', id: 4, code: 'forbidden', message: 'no', routingKey: null },
  );
  assert.deepEqual(
    parseFrame(
      '{"cmd":"error","id":null,"code":"subscription_revoked","message":"m","routing_key":"a.*"}',
    ),
    { kind: 'error', id: null, code: 'subscription_revoked', message: 'm', routingKey: 'a.*' },
  );
});

test('anything else is reported as unknown, never thrown', () => {
  for (const text of ['not json', '[1]', '42', 'null', '{"cmd":"hello"}', '{"x":1}']) {
    assert.equal(parseFrame(text).kind, 'unknown', text);
  }
});

test('commands carry their id only when given one', () => {
  assert.deepEqual(JSON.parse(encodeCommand('ping', {})), { cmd: 'ping' });
  assert.deepEqual(JSON.parse(encodeCommand('subscribe', { routing_key: 'a.b' }, 7)), {
    cmd: 'subscribe',
    routing_key: 'a.b',
    id: 7,
  });
});

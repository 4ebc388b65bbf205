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

test('a missing session id, data or position is tolerated', () => {
  const { event } = parseFrame('{"routing_key":"notifications","session_id":null}');
  assert.equal(event.sessionId, null);
  assert.deepEqual(event.data, {});
  assert.deepEqual([event.position, event.epoch], [null, null]);
});

test('an event names its position in its history, both or neither', () => {
  const event = (fields) =>
    parseFrame(JSON.stringify({ routing_key: 'notifications', ...fields })).event;
  const { position, epoch } = event({ position: 42, epoch: 'e1' });
  assert.deepEqual([position, epoch], [42, 'e1']);
  const halves = [
    { position: 42 },
    { epoch: 'e1' },
    { position: '42', epoch: 'e1' },
    { position: 1.5, epoch: 'e1' },
    { position: 4, epoch: '' },
  ];
  for (const fields of halves) {
    const parsed = event(fields);
    assert.deepEqual([parsed.position, parsed.epoch], [null, null], JSON.stringify(fields));
  }
});

test('replies: pong, ack and error with their ids and codes', () => {
  const bare = { position: null, epoch: null };
  assert.deepEqual(parseFrame('{"cmd":"pong"}'), { kind: 'pong', id: null, ...bare });
  assert.deepEqual(parseFrame('{"cmd":"pong","id":3}'), { kind: 'pong', id: 3, ...bare });
  assert.deepEqual(parseFrame('{"cmd":"pong","id":3,"position":8,"epoch":"e"}'), {
    kind: 'pong',
    id: 3,
    position: 8,
    epoch: 'e',
  });
  const plain = { position: null, epoch: null, recovered: null, reason: null };
  assert.deepEqual(parseFrame('{"cmd":"ack","id":"a","later":1}'), {
    kind: 'ack',
    id: 'a',
    ...plain,
  });
  assert.deepEqual(parseFrame('{"cmd":"ack","id":5,"recovered":true,"position":-1,"epoch":"e"}'), {
    kind: 'ack',
    id: 5,
    position: -1,
    epoch: 'e',
    recovered: true,
    reason: null,
  });
  const refused = { recovered: false, reason: 'too_old', position: 9, epoch: 'e' };
  assert.deepEqual(parseFrame(JSON.stringify({ cmd: 'ack', id: 6, ...refused })), {
    kind: 'ack',
    id: 6,
    ...refused,
  });
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

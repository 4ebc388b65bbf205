/**
 * Resuming, against a scripted gateway: each frame it sends is chosen by the test, so the
 * order of acks, replayed events and replies is exact. The live tests (client.test.js)
 * resume against real gateways.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isNewer, resumeOutcome } from '../resume.js';
import { TaigaEventsClient } from '../taiga-events.js';

const P = 'changes.project.1.*';
const KEY = 'changes.project.1.userstories.userstory';

/** A WebSocket whose peer is the test: it reads the commands and writes the replies. */
class ScriptedSocket {
  /** @type {ScriptedSocket[]} Every socket made, in order. */
  static made = [];
  static #waiters = [];

  /** Resolves with the `index`-th socket made (0-based), once it is open. */
  static nth(index) {
    return new Promise((resolve) => {
      const check = () => {
        const socket = ScriptedSocket.made[index];
        if (socket?.open) resolve(socket);
        return Boolean(socket?.open);
      };
      if (!check()) ScriptedSocket.#waiters.push(check);
    });
  }

  static #wake() {
    ScriptedSocket.#waiters = ScriptedSocket.#waiters.filter((check) => !check());
  }

  constructor() {
    this.commands = [];
    this.open = false;
    this.commandWaiters = [];
    ScriptedSocket.made.push(this);
    setTimeout(() => {
      this.open = true;
      this.onopen?.();
      ScriptedSocket.#wake();
    }, 0);
  }

  send(text) {
    this.commands.push(JSON.parse(text));
    this.commandWaiters = this.commandWaiters.filter((check) => !check());
  }

  close() {}

  /** Resolves with the next command named `cmd` not taken yet. */
  take(cmd) {
    return new Promise((resolve) => {
      const check = () => {
        const found = this.commands.find((command) => command.cmd === cmd && !command.taken);
        if (!found) return false;
        found.taken = true;
        resolve(found);
        return true;
      };
      if (!check()) this.commandWaiters.push(check);
    });
  }

  /** The gateway sends a frame. */
  write(frame) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  /** The connection is lost. */
  drop() {
    this.onclose?.({ code: 1006 });
  }
}

function newClient() {
  ScriptedSocket.made = [];
  const options = { backoffBase: 1, backoffCap: 1, random: () => 0 };
  return new TaigaEventsClient({ WebSocket: ScriptedSocket, ...options });
}

const event = (position, routingKey = KEY, epoch = 'e1') => ({
  routing_key: routingKey,
  session_id: null,
  data: { type: 'change', pk: position },
  ...(position === null ? {} : { position, epoch }),
});

/** What the client reports, in order: resumes, and P's events as they reach handlers. */
function record(client) {
  const seen = [];
  client.onResume((resumed) => seen.push(resumed));
  client.on(P, ({ data }) => seen.push(data.pk));
  return seen;
}

/** Connect and subscribe to P on the first socket, whose ack says `ack`. */
async function subscribed(client, ack = {}) {
  const connected = client.connect();
  const socket = await ScriptedSocket.nth(0);
  const done = client.subscribe(P);
  await connected;
  const command = await socket.take('subscribe');
  assert.equal(command.since, undefined);
  socket.write({ cmd: 'ack', id: command.id, ...ack });
  await done;
  return socket;
}

/** Lose the connection; returns the next socket and the subscribe it resent. */
async function reconnect(client, socket) {
  socket.drop();
  const next = await ScriptedSocket.nth(ScriptedSocket.made.length);
  return { socket: next, command: await next.take('subscribe') };
}

test('marks move forward only, and a new history always counts as newer', () => {
  assert.ok(isNewer(null, { position: 0, epoch: 'e' }));
  assert.ok(isNewer({ position: 3, epoch: 'e' }, { position: 4, epoch: 'e' }));
  assert.ok(!isNewer({ position: 3, epoch: 'e' }, { position: 3, epoch: 'e' }));
  assert.ok(!isNewer({ position: 3, epoch: 'e' }, { position: 2, epoch: 'e' }));
  assert.ok(isNewer({ position: 3, epoch: 'e' }, { position: 0, epoch: 'f' }));
});

test('the outcome of a resume: the gateway says, or the client knows why not', () => {
  const since = { position: 3, epoch: 'e' };
  assert.deepEqual(resumeOutcome(since, { recovered: true, reason: null }), {
    recovered: true,
    reason: null,
  });
  assert.deepEqual(resumeOutcome(since, { recovered: false, reason: 'too_old' }), {
    recovered: false,
    reason: 'too_old',
  });
  assert.deepEqual(resumeOutcome(null, { recovered: null, reason: null }), {
    recovered: false,
    reason: 'no position',
  });
  assert.deepEqual(resumeOutcome(since, { recovered: null, reason: null }), {
    recovered: false,
    reason: 'unsupported',
  });
});

test('resumes from the last event received, reports before the replay, then goes on', async () => {
  const client = newClient();
  const seen = record(client);
  const first = await subscribed(client, { position: 3, epoch: 'e1' });
  assert.deepEqual(client.positions, { [P]: { position: 3, epoch: 'e1' } });
  first.write(event(4));
  first.write(event(5, 'changes.project.2.tasks.task')); // not P's: it does not move P
  assert.deepEqual(client.positions, { [P]: { position: 4, epoch: 'e1' } });

  const { socket, command } = await reconnect(client, first);
  assert.deepEqual(command.since, { position: 4, epoch: 'e1' });
  socket.write({ cmd: 'ack', id: command.id, recovered: true, position: 9, epoch: 'e1' });
  socket.write(event(6));
  socket.write(event(8));
  const since = { position: 4, epoch: 'e1' };
  assert.deepEqual(seen, [4, { routingKey: P, recovered: true, reason: null, since }, 6, 8]);
  // Replayed events may still come until the next reply: P stands at the last one received.
  assert.deepEqual(client.positions[P], { position: 8, epoch: 'e1' });
  await client.connect(); // open again
  const pinged = client.ping();
  socket.write({ cmd: 'pong', id: (await socket.take('ping')).id });
  await pinged;
  assert.deepEqual(client.positions[P], { position: 9, epoch: 'e1' });
  client.close();
});

test('a pong brings quiet subscriptions up to where the history stands', async () => {
  const client = newClient();
  const seen = record(client);
  const socket = await subscribed(client, { position: 3, epoch: 'e1' });
  const pinged = client.ping();
  socket.write({ cmd: 'pong', id: (await socket.take('ping')).id, position: 7, epoch: 'e1' });
  await pinged;
  assert.deepEqual(client.positions[P], { position: 7, epoch: 'e1' });
  assert.deepEqual(seen, []);
  client.close();
});

test('a new history met while connected is reported not recovered, by an event or a pong', async () => {
  const client = newClient();
  const seen = record(client);
  const tasks = 'changes.project.1.tasks';
  const socket = await subscribed(client, { position: 3, epoch: 'e1' });
  const subscribing = client.subscribe(tasks);
  const command = await socket.take('subscribe');
  socket.write({ cmd: 'ack', id: command.id, position: 3, epoch: 'e1' });
  await subscribing;
  socket.write(event(0, KEY, 'e2')); // the broker's history was made again
  const since = { position: 3, epoch: 'e1' };
  assert.deepEqual(seen, [{ routingKey: P, recovered: false, reason: 'epoch', since }, 0]);
  assert.deepEqual(client.positions[P], { position: 0, epoch: 'e2' });
  // The quiet one learns it from the next pong.
  const pinged = client.ping();
  socket.write({ cmd: 'pong', id: (await socket.take('ping')).id, position: 0, epoch: 'e2' });
  await pinged;
  assert.deepEqual(seen.slice(2), [{ routingKey: tasks, recovered: false, reason: 'epoch', since }]);
  assert.deepEqual(client.positions[tasks], { position: 0, epoch: 'e2' });
  client.close();
});

test('a connection lost during a replay resumes from the last event replayed', async () => {
  const client = newClient();
  const first = await subscribed(client, { position: 3, epoch: 'e1' });
  const second = await reconnect(client, first);
  const ack = { cmd: 'ack', id: second.command.id, recovered: true, position: 9, epoch: 'e1' };
  second.socket.write(ack);
  second.socket.write(event(5));
  const third = await reconnect(client, second.socket);
  assert.deepEqual(third.command.since, { position: 5, epoch: 'e1' });
  client.close();
});

test('not recovered: reported with the reason, and it starts again from the ack', async () => {
  const client = newClient();
  const seen = record(client);
  const first = await subscribed(client, { position: 3, epoch: 'e1' });
  const { socket, command } = await reconnect(client, first);
  const refused = { recovered: false, reason: 'epoch', position: 0, epoch: 'e2' };
  socket.write({ cmd: 'ack', id: command.id, ...refused });
  assert.deepEqual(seen, [
    { routingKey: P, recovered: false, reason: 'epoch', since: { position: 3, epoch: 'e1' } },
  ]);
  assert.deepEqual(client.positions, { [P]: { position: 0, epoch: 'e2' } });
  client.close();
});

test('only events after its ack move a subscription, not those before it', async () => {
  const client = newClient();
  const first = await subscribed(client, { position: 3, epoch: 'e1' });
  const tasks = client.subscribe('changes.project.1.tasks');
  const command = await first.take('subscribe');
  first.write(event(4, 'changes.project.1.tasks.task'));
  assert.deepEqual(Object.keys(client.positions), [P]);
  first.write({ cmd: 'ack', id: command.id, position: 4, epoch: 'e1' });
  await tasks;
  // changes.project.1.tasks means changes.project.1.tasks.#, as the gateway reads it.
  first.write(event(5, 'changes.project.1.tasks.task'));
  assert.deepEqual(client.positions, {
    [P]: { position: 5, epoch: 'e1' },
    'changes.project.1.tasks': { position: 5, epoch: 'e1' },
  });
  client.close();
});

test('a gateway that numbers no events: subscribed plainly, not recovered', async () => {
  const client = newClient();
  const seen = record(client);
  const first = await subscribed(client);
  first.write(event(null));
  assert.deepEqual(client.positions, {});
  const { socket, command } = await reconnect(client, first);
  assert.equal(command.since, undefined);
  socket.write({ cmd: 'ack', id: command.id });
  assert.deepEqual(seen.slice(1), [
    { routingKey: P, recovered: false, reason: 'no position', since: null },
  ]);
  client.close();
});

test('a gateway that ignores since: reported as not recovered', async () => {
  const client = newClient();
  const seen = record(client);
  const first = await subscribed(client, { position: 3, epoch: 'e1' });
  const { socket, command } = await reconnect(client, first);
  assert.deepEqual(command.since, { position: 3, epoch: 'e1' });
  socket.write({ cmd: 'ack', id: command.id });
  assert.deepEqual(seen, [
    { routingKey: P, recovered: false, reason: 'unsupported', since: { position: 3, epoch: 'e1' } },
  ]);
  client.close();
});

test('subscribe with since resumes a new subscription from a kept position', async () => {
  const client = newClient();
  const seen = record(client);
  const connected = client.connect();
  const socket = await ScriptedSocket.nth(0);
  await connected;
  const done = client.subscribe(P, { since: { position: 7, epoch: 'e1' } });
  const command = await socket.take('subscribe');
  assert.deepEqual(command.since, { position: 7, epoch: 'e1' });
  const refused = { recovered: false, reason: 'too_old', position: 90, epoch: 'e1' };
  socket.write({ cmd: 'ack', id: command.id, ...refused });
  await done;
  assert.deepEqual(seen, [
    { routingKey: P, recovered: false, reason: 'too_old', since: { position: 7, epoch: 'e1' } },
  ]);
  client.close();
});

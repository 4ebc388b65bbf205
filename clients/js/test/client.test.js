/**
 * The client against a live gateway. Run through tests/clients/test_js_client.py, which
 * serves the control endpoint (create, restart, silence and feed gateways) and a token.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';

import { State, TaigaEventsClient, backoffCeiling } from '../taiga-events.js';

const CONTROL = process.env.TAIGA_EVENTS_CONTROL_URL;
const TOKEN = process.env.TAIGA_EVENTS_TOKEN;
const USER_ID = process.env.TAIGA_EVENTS_USER_ID;
const TIMEOUT = { timeout: 10000 };

/** Tell the control endpoint to do something; returns its JSON answer. */
async function control(path, body = {}) {
  const response = await fetch(`${CONTROL}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const answer = await response.json();
  assert.equal(response.status, 200, JSON.stringify(answer));
  return answer;
}

/** A fresh gateway (own port, bus and proxy); `publish` puts a broker message on its bus. */
async function newGateway() {
  const { id, url, proxyUrl } = await control('/gateways');
  const gateway = {
    url,
    proxyUrl,
    publish: (routingKey, sessionId, data, extra = {}) =>
      control(`/gateways/${id}/publish`, {
        routing_key: routingKey,
        envelope: { session_id: sessionId, data, ...extra },
      }),
    stop: () => control(`/gateways/${id}/stop`),
    start: () => control(`/gateways/${id}/start`),
    restart: () => control(`/gateways/${id}/restart`),
    newHistory: () => control(`/gateways/${id}/new-history`),
    silence: () => control(`/gateways/${id}/silence`),
  };
  cleanups.push(() => control(`/gateways/${id}/close`));
  return gateway;
}

/** A client that is closed after the test. */
function newClient(options) {
  const client = new TaigaEventsClient({ backoffBase: 10, backoffCap: 40, ...options });
  cleanups.push(() => client.close());
  return client;
}

/** Events a pattern's handler received, and a way to await the next ones. */
function collect(client, pattern) {
  const events = [];
  const waiters = [];
  client.on(pattern, (event) => {
    events.push(event);
    for (const waiter of waiters.filter(({ count }) => events.length >= count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(events);
    }
  });
  return {
    events,
    /** Resolves once `count` events have been received in all. */
    until: (count) =>
      events.length >= count
        ? Promise.resolve(events)
        : new Promise((resolve) => waiters.push({ count, resolve })),
  };
}

/** Every state change, and a way to await one that satisfies a predicate. */
function watchStates(client) {
  const changes = [];
  const waiters = [];
  client.onState((change) => {
    changes.push(change);
    for (const waiter of waiters.filter(({ predicate }) => predicate(change, changes))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(change);
    }
  });
  return {
    changes,
    states: () => changes.map(({ state }) => state),
    until: (predicate) => new Promise((resolve) => waiters.push({ predicate, resolve })),
  };
}

/**
 * A WebSocket that records the `data.permissions` of each `auth` it sends, and a way to await
 * the `count`-th one.
 */
function recordAuths() {
  const sent = [];
  const waiters = [];
  class RecordingWebSocket extends WebSocket {
    send(data) {
      const command = JSON.parse(data);
      if (command.cmd === 'auth') {
        sent.push(command.data.permissions);
        for (const waiter of waiters.filter(({ count }) => sent.length >= count)) waiter.resolve();
      }
      super.send(data);
    }
  }
  return {
    WebSocket: RecordingWebSocket,
    claims: () => [...sent],
    until: (count) => new Promise((resolve) => waiters.push({ count, resolve })),
  };
}

/**
 * Claims shaped as the backend's (a JWT), the `n`-th, lasting `lifetime` seconds, for
 * projects `ids`.
 */
function fakeClaims(n, lifetime, ids = [1, 4]) {
  const projects = Object.fromEntries(ids.map((id) => [id, ['view_project']]));
  const payload = Buffer.from(JSON.stringify({ n, iat: 1000, exp: 1000 + lifetime, projects }));
  return `e30.${payload.toString('base64url')}.signature`;
}

const change = (pk) => ({ type: 'change', matches: 'userstories.userstory', pk });
const US_KEY = 'changes.project.1.userstories.userstory';

let cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

describe('against a live gateway', { skip: !CONTROL && 'run by tests/clients/test_js_client.py' }, () => {
  test('connects, authenticates and subscribes; events come with unknown fields kept', TIMEOUT, async () => {
    const gateway = await newGateway();
    let constructed = 0;
    class CountingWebSocket extends WebSocket {
      constructor(url) {
        super(url);
        constructed += 1;
      }
    }
    const client = newClient({ url: gateway.url, token: TOKEN, WebSocket: CountingWebSocket });
    const states = watchStates(client);
    const received = collect(client, '#');
    assert.equal(client.state, State.IDLE);
    await client.connect();
    assert.equal(client.state, State.OPEN);
    await client.subscribe('changes.project.1.*');
    await gateway.publish(US_KEY, 'someone-else', { ...change(3), later: 'field' }, { seq: 9 });
    const [event] = await received.until(1);
    assert.equal(event.routingKey, US_KEY);
    assert.equal(event.sessionId, 'someone-else');
    assert.deepEqual(event.data, { ...change(3), later: 'field' });
    assert.equal(event.frame.seq, 9);
    assert.deepEqual(states.states(), [State.CONNECTING, State.OPEN]);
    assert.equal(constructed, 1);
    await client.ping();
  });

  test('dispatches each event to the handlers whose pattern matches', TIMEOUT, async () => {
    const gateway = await newGateway();
    const client = newClient({ url: gateway.url, token: TOKEN });
    const project = collect(client, 'changes.project.1.*');
    const tasks = collect(client, 'changes.project.*.tasks.*');
    const mine = collect(client, `web_notifications.${USER_ID}`);
    const everything = collect(client, '#');
    const changes = collect(client, 'changes.#');
    client.on('changes.#', () => assert.fail('removed handlers are not called'))();
    await client.connect();
    await Promise.all([
      client.subscribe('changes.project.1.*'),
      client.subscribe('changes.project.2.*'),
      client.subscribe(`web_notifications.${USER_ID}`),
    ]);
    const keys = [
      US_KEY,
      'changes.project.1.tasks.task',
      `web_notifications.${USER_ID}`,
      'changes.project.2.tasks.task',
      'changes.project.2.issues.issue',
    ];
    for (const key of keys) await gateway.publish(key, null, { type: 'change', pk: 1 });
    // Events arrive in order: once the catch-all has all of them, so has everyone else.
    await everything.until(keys.length);
    const seen = (collector) => collector.events.map(({ routingKey }) => routingKey);
    assert.deepEqual(seen(everything), keys);
    assert.deepEqual(seen(project), [US_KEY, 'changes.project.1.tasks.task']);
    assert.deepEqual(seen(tasks), ['changes.project.1.tasks.task', 'changes.project.2.tasks.task']);
    assert.deepEqual(seen(mine), [`web_notifications.${USER_ID}`]);
    assert.equal(changes.events.length, 4);
  });

  const ownEventCases = [
    // Without auth the gateway cannot know the session id: only the client can filter.
    { connection: 'anonymous', token: null, framesSent: [1, 2, 3] },
    // With auth the client gives the gateway its session id, and the gateway filters too.
    { connection: 'authenticated', token: TOKEN, framesSent: [2, 3] },
  ];
  for (const { connection, token, framesSent } of ownEventCases) {
    test(`${connection}: own events are filtered out unless selfNotification`, TIMEOUT, async () => {
      const gateway = await newGateway();
      const client = newClient({ url: gateway.url, token });
      const received = collect(client, '#');
      const frames = [];
      client.onFrame((frame) => frame.kind === 'event' && frames.push(frame.event));
      await client.connect();
      await client.subscribe('changes.project.1.*');
      await client.subscribe('changes.project.2.*', { selfNotification: true });
      const own = client.sessionId;
      await gateway.publish(US_KEY, own, change(1));
      await gateway.publish('changes.project.2.userstories.userstory', own, change(2));
      await gateway.publish(US_KEY, 'another-tab', change(3));
      await received.until(2);
      assert.deepEqual(
        received.events.map(({ data, sessionId }) => [data.pk, sessionId]),
        [
          [2, own],
          [3, 'another-tab'],
        ],
      );
      assert.deepEqual(frames.map(({ data }) => data.pk), framesSent);
    });
  }

  test('error replies reject the promises with the gateway code', TIMEOUT, async () => {
    const gateway = await newGateway();
    const refused = newClient({ url: gateway.url, token: 'not-a-token' });
    const refusedStates = watchStates(refused);
    await assert.rejects(refused.connect(), { name: 'TaigaEventsError', code: 'auth_failed' });
    assert.equal(refused.state, State.CLOSED);
    assert.equal(refusedStates.changes.at(-1).error.code, 'auth_failed');
    await assert.rejects(refused.subscribe('changes.project.1.*'), { code: 'closed' });

    const client = newClient({ url: gateway.url, token: TOKEN });
    await client.connect();
    await assert.rejects(client.subscribe('changes..project'), { code: 'invalid_argument' });
    await assert.rejects(client.unsubscribe('changes.project.9.*'), { code: 'not_subscribed' });
    // The refused pattern was dropped; the connection and other subscriptions still work.
    const received = collect(client, '#');
    await client.subscribe('changes.project.1.*');
    await client.unsubscribe('changes.project.1.*');
    await client.subscribe('notifications');
    await gateway.publish(US_KEY, null, change(1));
    await gateway.publish('notifications', null, { title: 'Maintenance', desc: 'at 2' });
    await received.until(1);
    assert.deepEqual(received.events.map(({ routingKey }) => routingKey), ['notifications']);
  });

  test('a subscription made before connecting is sent once open', TIMEOUT, async () => {
    const gateway = await newGateway();
    const client = newClient({ url: gateway.url, token: TOKEN });
    const subscribed = client.subscribe(`web_notifications.${USER_ID}`);
    const received = collect(client, '#');
    await client.connect();
    await subscribed;
    await gateway.publish(`web_notifications.${USER_ID}`, null, { type: 'assigned' });
    assert.equal((await received.until(1))[0].data.type, 'assigned');
  });

  test('authenticate() authenticates the open connection again; a refusal changes nothing', TIMEOUT, async () => {
    const gateway = await newGateway();
    const client = newClient({ url: gateway.url, token: TOKEN });
    const received = collect(client, '#');
    await client.connect();
    await client.subscribe(`web_notifications.${USER_ID}`);
    let asked = 0;
    await client.authenticate(async () => {
      asked += 1;
      return TOKEN;
    });
    assert.equal(asked, 1);
    await assert.rejects(client.authenticate('not-a-token'), { code: 'auth_failed' });
    assert.equal(client.state, State.OPEN);
    assert.deepEqual(client.subscriptions, [`web_notifications.${USER_ID}`]);
    await gateway.publish(`web_notifications.${USER_ID}`, null, { type: 'assigned' });
    assert.equal((await received.until(1))[0].data.type, 'assigned');
    // The refused token was not kept: the reconnection authenticates with the good one.
    const reopened = watchStates(client).until(({ state }) => state === State.OPEN);
    await gateway.restart();
    await reopened;
    assert.equal(asked, 2);
  });

  test('permission claims go with auth, are kept while fresh and sent again before they expire', TIMEOUT, async () => {
    const gateway = await newGateway();
    const recorder = recordAuths();
    const asked = [];
    const client = newClient({
      url: gateway.url,
      token: TOKEN,
      WebSocket: recorder.WebSocket,
      permissions: async (ids) => {
        asked.push(ids);
        return fakeClaims(asked.length, 3);
      },
    });
    const states = watchStates(client);
    client.subscribe('changes.project.4.*');
    client.subscribe('changes.project.1.tasks');
    client.subscribe('notifications');
    await client.connect();
    assert.deepEqual(asked, [[1, 4]]);
    // Fresh still: the reconnection sends the same claims without asking for new ones.
    const reopened = states.until(({ state }, all) => state === State.OPEN && all.length > 2);
    await gateway.restart();
    await reopened;
    assert.deepEqual(recorder.claims(), [fakeClaims(1, 3), fakeClaims(1, 3)]);
    // At two thirds of their lifetime, new ones on the open connection.
    await recorder.until(3);
    assert.deepEqual(recorder.claims(), [fakeClaims(1, 3), fakeClaims(1, 3), fakeClaims(2, 3)]);
    assert.equal(client.state, State.OPEN);
    assert.equal(states.changes.length, 4);
    // A project they do not cover: the next connection asks for claims that do.
    await client.subscribe('changes.project.7.*');
    const again = states.until(({ state }, all) => state === State.OPEN && all.length > 4);
    await gateway.restart();
    await again;
    assert.deepEqual(asked.at(-1), [1, 4, 7]);
  });

  test('without claims to be had, auth goes without them', TIMEOUT, async () => {
    const gateway = await newGateway();
    const recorder = recordAuths();
    const client = newClient({
      url: gateway.url,
      token: TOKEN,
      WebSocket: recorder.WebSocket,
      permissions: () => Promise.reject(new Error('the backend is away')),
    });
    await client.connect();
    assert.deepEqual(recorder.claims(), [undefined]);
  });

  test('without a pong in time the connection is replaced', TIMEOUT, async () => {
    const gateway = await newGateway();
    const client = newClient({ url: gateway.proxyUrl, token: TOKEN, pongTimeout: 1000 });
    const states = watchStates(client);
    const received = collect(client, '#');
    await client.connect();
    await client.subscribe('changes.project.1.*');
    await client.ping();
    await gateway.silence();
    const reopened = states.until(({ state }, all) => state === State.OPEN && all.length > 2);
    await assert.rejects(client.ping(), { code: 'pong_timeout' });
    await reopened;
    const lost = states.changes.find(({ state }) => state === State.RECONNECTING);
    assert.equal(lost.error.code, 'pong_timeout');
    await gateway.publish(US_KEY, null, change(5));
    assert.equal((await received.until(1))[0].data.pk, 5);
  });

  test('the heartbeat pings by itself and notices the silence', TIMEOUT, async () => {
    const gateway = await newGateway();
    const client = newClient({
      url: gateway.proxyUrl,
      token: TOKEN,
      pingInterval: 20,
      pongTimeout: 1000,
    });
    const states = watchStates(client);
    let pongs = 0;
    const twoPongs = new Promise((resolve) => {
      client.onFrame(({ kind }) => kind === 'pong' && (pongs += 1) === 2 && resolve());
    });
    await client.connect();
    const lost = states.until(({ state }) => state === State.RECONNECTING);
    // Two pongs show the heartbeat runs; then the proxy goes quiet.
    await twoPongs;
    await gateway.silence();
    assert.equal((await lost).error.code, 'pong_timeout');
    await states.until(({ state }) => state === State.OPEN);
  });

  test('after a gateway restart it re-authenticates, re-subscribes and events flow', TIMEOUT, async () => {
    const gateway = await newGateway();
    let tokens = 0;
    const client = newClient({
      url: gateway.url,
      token: async () => {
        tokens += 1;
        return TOKEN;
      },
    });
    const states = watchStates(client);
    const received = collect(client, '#');
    await client.connect();
    // web_notifications needs auth: receiving one afterwards proves the re-auth too.
    await client.subscribe(`web_notifications.${USER_ID}`);
    await client.subscribe('changes.project.1.*', { selfNotification: true });
    const reopened = states.until(({ state }, all) => state === State.OPEN && all.length > 2);
    await gateway.restart();
    await reopened;
    assert.equal(states.changes[2].state, State.RECONNECTING);
    assert.equal(states.changes[2].error.code, 'connection_lost');
    assert.equal(tokens, 2);
    await gateway.publish(`web_notifications.${USER_ID}`, null, { type: 'mentioned' });
    // selfNotification survived the reconnection too.
    await gateway.publish(US_KEY, client.sessionId, change(8));
    const events = await received.until(2);
    assert.deepEqual(events.map(({ data }) => data.type), ['mentioned', 'change']);
  });

  test('after a restart it resumes: each event missed comes once, in order', TIMEOUT, async () => {
    const gateway = await newGateway();
    const client = newClient({ url: gateway.url, token: TOKEN });
    const received = collect(client, '#');
    const resumes = [];
    const resumed = new Promise((resolve) => {
      client.onResume((outcome) => resolve(resumes.push(outcome)));
    });
    await client.connect();
    await client.subscribe('changes.project.1.*');
    await client.subscribe('changes.project.2.*');
    await gateway.publish(US_KEY, null, change(1));
    const [first] = await received.until(1);
    const since = { position: first.position, epoch: first.epoch };
    assert.deepEqual(client.positions['changes.project.1.*'], since);
    await gateway.stop();
    // Published while no gateway runs: the broker's history keeps them.
    for (const pk of [2, 3, 4]) await gateway.publish(US_KEY, null, change(pk));
    await gateway.publish('changes.project.2.tasks.task', null, change(5));
    await gateway.start();
    await resumed;
    await gateway.publish(US_KEY, null, change(6));
    const events = await received.until(6);
    assert.deepEqual(events.map(({ data }) => data.pk), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(
      events.map(({ position }) => position),
      [0, 1, 2, 3, 4, 5].map((step) => first.position + step),
    );
    // Open once every subscription's ack is through, which may be after the events that
    // came in the same read as the last ack.
    await client.connect();
    await client.ping(); // nothing else came first
    assert.equal(received.events.length, 6);
    const byPattern = Object.fromEntries(resumes.map((outcome) => [outcome.routingKey, outcome]));
    assert.deepEqual(byPattern['changes.project.1.*'], {
      routingKey: 'changes.project.1.*',
      recovered: true,
      reason: null,
      since,
    });
    // The other saw no event: it resumed from where its ack said the history stood.
    assert.equal(byPattern['changes.project.2.*'].recovered, true);
    assert.ok(byPattern['changes.project.2.*'].since.position < first.position);
    const last = { position: first.position + 5, epoch: first.epoch };
    assert.deepEqual(client.positions['changes.project.1.*'], last);
  });

  test('a history that cannot be resumed is reported with its reason; events flow', TIMEOUT, async () => {
    const gateway = await newGateway();
    const client = newClient({ url: gateway.url, token: TOKEN });
    const received = collect(client, '#');
    const resumed = new Promise((resolve) => client.onResume(resolve));
    await client.connect();
    await client.subscribe('changes.project.1.*');
    await gateway.publish(US_KEY, null, change(1));
    const [first] = await received.until(1);
    await gateway.newHistory();
    await gateway.restart();
    const outcome = await resumed;
    assert.deepEqual(outcome, {
      routingKey: 'changes.project.1.*',
      recovered: false,
      reason: 'epoch',
      since: { position: first.position, epoch: first.epoch },
    });
    const now = client.positions['changes.project.1.*'];
    assert.notEqual(now.epoch, first.epoch);
    await gateway.publish(US_KEY, null, change(2));
    const [, second] = await received.until(2);
    assert.deepEqual([second.data.pk, second.epoch], [2, now.epoch]);
  });

  test('reconnection delays lie within [0, min(cap, base·2^attempt))', TIMEOUT, async () => {
    const gateway = await newGateway();
    const fractions = [0.999, 0, 0.5, 0.999, 0.25, 0.999, 0.75];
    let draws = 0;
    const options = { base: 10, cap: 40 };
    const client = newClient({
      url: gateway.url,
      backoffBase: options.base,
      backoffCap: options.cap,
      random: () => fractions[draws++ % fractions.length],
    });
    const states = watchStates(client);
    await client.connect();
    const retries = () => states.changes.filter(({ state }) => state === State.RECONNECTING);
    const manyRetries = states.until(() => retries().length >= fractions.length);
    await gateway.stop();
    await manyRetries;
    const reopened = states.until(({ state }) => state === State.OPEN);
    await gateway.start();
    await reopened;
    const delays = retries().slice(0, fractions.length);
    delays.forEach(({ attempt, delay }, index) => {
      assert.equal(attempt, index);
      const ceiling = Math.min(options.cap, options.base * 2 ** attempt);
      assert.equal(ceiling, backoffCeiling(attempt, options));
      assert.ok(delay >= 0 && delay < ceiling, `attempt ${attempt}: ${delay} of ${ceiling}`);
      assert.equal(delay, fractions[index] * ceiling);
    });
    // An open connection starts the count again.
    const next = states.until(({ state }, all) => state === State.RECONNECTING && all.at(-2).state === State.OPEN);
    await gateway.restart();
    assert.equal((await next).attempt, 0);
    await states.until(({ state }) => state === State.OPEN);
  });

  test('batching: each handler is called once per animation frame with its events', TIMEOUT, async () => {
    const gateway = await newGateway();
    const frames = [];
    globalThis.requestAnimationFrame = (callback) => frames.push(callback);
    cleanups.push(() => delete globalThis.requestAnimationFrame);
    const client = newClient({ url: gateway.url, token: TOKEN, batch: true });
    const calls = [];
    client.on('changes.project.1.*', (events) => calls.push(events));
    let received = 0;
    const allReceived = new Promise((resolve) => {
      client.onFrame(({ kind }) => kind === 'event' && (received += 1) === 3 && resolve());
    });
    await client.connect();
    await client.subscribe('changes.project.1.*');
    for (const pk of [1, 2, 3]) await gateway.publish(US_KEY, null, change(pk));
    await allReceived;
    assert.deepEqual(calls, []);
    assert.equal(frames.length, 1);
    frames[0](16);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0].map(({ data }) => data.pk), [1, 2, 3]);
  });

  test('batching without requestAnimationFrame flushes on a timer', TIMEOUT, async () => {
    const gateway = await newGateway();
    const client = newClient({ url: gateway.url, token: TOKEN, batch: true });
    const pks = [];
    let done;
    const allThree = new Promise((resolve) => {
      done = resolve;
    });
    client.on('#', (events) => {
      assert.ok(Array.isArray(events));
      pks.push(...events.map(({ data }) => data.pk));
      if (pks.length === 3) done();
    });
    await client.connect();
    await client.subscribe('changes.project.1.*');
    for (const pk of [1, 2, 3]) await gateway.publish(US_KEY, null, change(pk));
    await allThree;
    assert.deepEqual(pks, [1, 2, 3]);
  });

  test('close() is final: state closed, no reconnection, promises rejected', TIMEOUT, async () => {
    const gateway = await newGateway();
    const client = newClient({ url: gateway.url, token: TOKEN });
    const states = watchStates(client);
    await client.connect();
    client.close();
    client.close();
    assert.equal(client.state, State.CLOSED);
    await gateway.restart();
    assert.deepEqual(states.states(), [State.CONNECTING, State.OPEN, State.CLOSED]);
    await assert.rejects(client.connect(), { code: 'closed' });
    await assert.rejects(client.ping(), { code: 'not_connected' });
  });
});

const SYSTEM = {
  events: process.env.TAIGA_SYSTEM_EVENTS_URL,
  api: process.env.TAIGA_SYSTEM_API_URL,
  project: process.env.TAIGA_SYSTEM_PROJECT_ID,
  password: process.env.TAIGA_SYSTEM_PASSWORD,
};

/** A call to the backend's REST API; returns the decoded body. */
async function api(method, path, { body, token, headers = {} } = {}) {
  const response = await fetch(`${SYSTEM.api}${path}`, {
    method,
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function login(username) {
  const body = { type: 'normal', username, password: SYSTEM.password };
  return (await api('POST', '/auth', { body })).auth_token;
}

// One backend for these tests, in order: the last one makes the project private.
describe('against the whole system', { skip: !SYSTEM.events && 'run by tests/clients/test_js_client.py' }, () => {
  const pattern = `changes.project.${SYSTEM.project}.*`;

  test("a change sent with the client's headers is not echoed; someone else's is", TIMEOUT, async () => {
    const alice = await login('alice');
    const client = newClient({ url: SYSTEM.events, token: alice });
    const received = collect(client, '#');
    await client.connect();
    await client.subscribe(pattern);
    const story = await api('POST', '/userstories', {
      body: { project: Number(SYSTEM.project), subject: 'Mine' },
      token: alice,
      headers: client.headers(),
    });
    const bob = await login('bob');
    await api('PATCH', `/userstories/${story.id}`, { body: { subject: 'Theirs' }, token: bob });
    const [first] = await received.until(1);
    assert.equal(first.routingKey, `changes.project.${SYSTEM.project}.userstories.userstory`);
    assert.deepEqual([first.data.type, first.data.pk], ['change', story.id]);
  });

  test("the backend's permission claims are taken by the gateway; forged ones are reported", TIMEOUT, async () => {
    const alice = await login('alice');
    const fetchClaims = async (ids) => {
      const query = ids.join(',');
      return (await api('GET', `/events/permissions?projects=${query}`, { token: alice })).token;
    };
    const asked = [];
    const client = newClient({
      url: SYSTEM.events,
      token: alice,
      permissions: (ids) => {
        asked.push(ids);
        return fetchClaims(ids);
      },
    });
    const errors = [];
    client.onError((error) => errors.push(error));
    const received = collect(client, '#');
    const subscribed = client.subscribe(pattern);
    await client.connect();
    await subscribed;
    assert.deepEqual(asked, [[Number(SYSTEM.project)]]);
    const bob = await login('bob');
    const body = { project: Number(SYSTEM.project), subject: 'Seen by alice' };
    const story = await api('POST', '/userstories', { body, token: bob });
    assert.equal((await received.until(1))[0].data.pk, story.id);
    assert.deepEqual(errors, []);

    const forged = newClient({
      url: SYSTEM.events,
      token: alice,
      permissions: async (ids) => `${(await fetchClaims(ids)).slice(0, -4)}AAAA`,
    });
    const refused = new Promise((resolve) => forged.onError(resolve));
    await forged.connect();
    const error = await refused;
    assert.equal(error.code, 'invalid_permissions');
    assert.equal(error.routingKey, null);
    // The connection is authenticated all the same: the gateway asks the backend.
    await forged.subscribe(pattern);
  });

  test('a subscription the user may no longer see is revoked and dropped', TIMEOUT, async () => {
    const client = newClient({ url: SYSTEM.events }); // anonymous: public projects only
    const revoked = new Promise((resolve) => client.onError(resolve));
    await client.connect();
    await client.subscribe(pattern);
    assert.deepEqual(client.subscriptions, [pattern]);
    const owner = await login('owner');
    await api('PATCH', `/projects/${SYSTEM.project}`, { body: { is_private: true }, token: owner });
    const error = await revoked;
    assert.equal(error.code, 'subscription_revoked');
    assert.equal(error.routingKey, pattern);
    assert.deepEqual(client.subscriptions, []);
  });
});

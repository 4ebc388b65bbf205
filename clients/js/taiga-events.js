/**
 * A client for the taiga-events WebSocket gateway, for browsers and Node ≥ 20.
 *
 * It follows the seed's "Client Implementation Guide" and best practices: one session id
 * per app instance (for the `x-session-id` header), auth and subscriptions, an app-level
 * ping with a pong timeout, reconnection with exponential backoff and full jitter that
 * re-authenticates and re-subscribes, filtering of its own events, dispatch by routing-key
 * pattern, connection-state changes for the UI, optional batching per animation frame, and
 * optional permission claims that spare the backend a request per client on reconnection.
 * It remembers where each subscription stands in the gateway's history and resumes it from
 * there after a reconnection, reporting whether everything missed follows (`onResume`).
 *
 * @example
 * import { TaigaEventsClient } from './taiga-events.js';
 * const events = new TaigaEventsClient({ url: 'ws://localhost:8888/events', token });
 * fetch('/api/v1/userstories', { headers: { ...events.headers(), Authorization: `Bearer ${token}` } });
 * events.on('changes.project.5.userstories.*', (event) => refresh(event.data.pk));
 * events.onState(({ state }) => indicator.textContent = state);
 * events.onResume(({ recovered }) => recovered || refetchEverything());
 * await events.connect();
 * await events.subscribe('changes.project.5.*');
 *
 * @module taiga-events
 */

import { backoffDelay, checkBackoff } from './backoff.js';
import { Batcher, callSafely, nextFrame } from './batching.js';
import { Claims, projectIds } from './claims.js';
import { encodeCommand, parseFrame } from './frames.js';
import { ackMark, isNewer, resumeOutcome } from './resume.js';
import { normalizePattern, patternMatcher } from './routing.js';
import { newSessionId } from './session.js';

export { backoffCeiling, backoffDelay } from './backoff.js';
export { Batcher, nextFrame } from './batching.js';
export { Claims, projectIds, readClaims } from './claims.js';
export { encodeCommand, parseFrame } from './frames.js';
export { ackMark, isNewer, resumeOutcome } from './resume.js';
export { matches, normalizePattern, patternMatcher } from './routing.js';
export { newSessionId } from './session.js';

/**
 * Connection states, in the order a client usually goes through them.
 *
 * `idle` before `connect()`; `connecting` during the first connection; `open` once
 * authenticated and subscribed; `reconnecting` from a lost connection until it is open
 * again; `closed` after `close()` or a refused `auth` (final).
 *
 * @readonly
 * @enum {string}
 */
export const State = Object.freeze({
  IDLE: 'idle',
  CONNECTING: 'connecting',
  OPEN: 'open',
  RECONNECTING: 'reconnecting',
  CLOSED: 'closed',
});

/**
 * An `error` frame of the gateway (its stable `code`, e.g. `forbidden`, `auth_failed`,
 * `subscription_revoked`), or a local failure: `connection_lost`, `pong_timeout`, `closed`,
 * `not_connected`, `not_subscribed`, `unsubscribed`, `token_unavailable`.
 */
export class TaigaEventsError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {string | null} [routingKey] The subscription an unprompted error is about.
   */
  constructor(code, message, routingKey = null) {
    super(message);
    this.name = 'TaigaEventsError';
    /** @type {string} */
    this.code = code;
    /** @type {string | null} */
    this.routingKey = routingKey;
  }
}

/**
 * @typedef {import('./frames.js').TaigaEvent} TaigaEvent
 * @typedef {import('./frames.js').Frame} Frame
 * @typedef {import('./frames.js').Ack} Ack
 * @typedef {import('./resume.js').Mark} Mark
 * @typedef {import('./resume.js').Resumed} Resumed
 */

/**
 * A pattern followed.
 *
 * @typedef {object} Subscription
 * @property {string} pattern
 * @property {boolean} selfNotification
 * @property {(key: string) => boolean} matcher
 * @property {{resolve: Function, reject: Function}[]} waiters
 * @property {Mark | null} mark Where it stands in the gateway's history.
 * @property {boolean} resuming Sending it again is a resume: it was acknowledged before, or
 *   given a `since`.
 */

/**
 * A connection-state change; also emitted for each scheduled reconnection attempt.
 *
 * @typedef {object} StateChange
 * @property {State} state
 * @property {State} previous
 * @property {number | null} attempt For `reconnecting`: the 0-based attempt the delay is for.
 * @property {number | null} delay For `reconnecting`: milliseconds until that attempt, drawn
 *   from `[0, min(backoffCap, backoffBase · 2^attempt))`.
 * @property {Error | null} error Why the connection was lost or the client closed.
 */

/**
 * @typedef {object} ClientOptions
 * @property {string} [url] Gateway endpoint; `ws://localhost:8888/events` by default.
 * @property {string | (() => (string | Promise<string>)) | null} [token] Access token (the
 *   backend's `auth_token`), or a function asked for a fresh one at every (re)connection.
 *   Without one the connection stays anonymous (public projects only).
 * @property {string} [sessionId] Defaults to a new random UUID.
 * @property {typeof WebSocket} [WebSocket] Constructor to use; `globalThis.WebSocket` by default.
 * @property {number} [pingInterval] Milliseconds between pings while open (30000).
 * @property {number} [pongTimeout] Milliseconds to wait for a pong before reconnecting (10000).
 * @property {number} [backoffBase] Ceiling of the first reconnection delay, ms (500).
 * @property {number} [backoffCap] Largest reconnection delay, ms (30000).
 * @property {() => number} [random] Uniform in [0, 1), for the jitter; `Math.random`.
 * @property {boolean | ((flush: () => void) => void)} [batch] Call each handler at most once
 *   per animation frame, with an array of its events; a function schedules the flush itself.
 * @property {((projectIds: number[]) => (string | Promise<string>)) | null} [permissions]
 *   Fetches permission claims for these projects (the `token` of the backend's
 *   `GET /api/v1/events/permissions?projects=…`), sent with `auth` so the gateway need not
 *   ask the backend; kept for reconnections while fresh and covering the projects followed,
 *   and sent again before they expire.
 */

/** One WebSocket and what is in flight on it; replaced at every reconnection. */
class Connection {
  /** @param {WebSocket} socket */
  constructor(socket) {
    this.socket = socket;
    /** @type {Map<number, {cmd: string, resolve: Function, reject: Function, onAck?: Function}>} */
    this.pending = new Map();
    /** @type {Set<Subscription>} Acknowledged on this connection: its events move their marks. */
    this.current = new Set();
    /**
     * Resumed subscriptions and the position their ack reported, which they reach once what
     * the gateway replays for them has arrived: by the next reply, sent after it.
     *
     * @type {[Subscription, Mark][]}
     */
    this.replaying = [];
    /** Whether this is still the client's live connection. */
    this.alive = true;
    /** Authenticated (or anonymous by choice): subscriptions may be sent. */
    this.ready = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    /** @type {string | null} The access token it authenticated with. */
    this.token = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} Sends fresh permission claims. */
    this.claimsTimer = undefined;
  }
}

/** The client. One instance per app instance: it owns the session id. */
export class TaigaEventsClient {
  #url;
  #token;
  #sessionId;
  #WebSocket;
  #pingInterval;
  #pongTimeout;
  #backoff;
  /** @type {Batcher | null} */
  #batcher;
  /** @type {Claims | null} */
  #claims;
  #state = State.IDLE;
  #attempt = 0;
  /** @type {Connection | null} */
  #conn = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #retryTimer;
  #nextId = 0;
  /** @type {Map<string, Subscription>} */
  #subscriptions = new Map();
  /** @type {Set<{matcher: (key: string) => boolean, handler: Function}>} */
  #handlers = new Set();
  /** @type {Set<(change: StateChange) => void>} */
  #stateListeners = new Set();
  /** @type {Set<(frame: Frame) => void>} */
  #frameListeners = new Set();
  /** @type {Set<(error: TaigaEventsError) => void>} */
  #errorListeners = new Set();
  /** @type {Set<(resumed: Resumed) => void>} */
  #resumeListeners = new Set();
  /** @type {{resolve: Function, reject: Function}[]} */
  #openWaiters = [];

  /** @param {ClientOptions} [options] */
  constructor({
    url = 'ws://localhost:8888/events',
    token = null,
    sessionId = newSessionId(),
    WebSocket: WebSocketImpl = globalThis.WebSocket,
    pingInterval = 30000,
    pongTimeout = 10000,
    backoffBase = 500,
    backoffCap = 30000,
    random = Math.random,
    batch = false,
    permissions = null,
  } = {}) {
    if (typeof WebSocketImpl !== 'function') {
      throw new TypeError(
        'no WebSocket: pass the WebSocket option (in Node 20, run node --experimental-websocket)',
      );
    }
    this.#url = url;
    this.#token = token;
    this.#sessionId = sessionId;
    this.#WebSocket = WebSocketImpl;
    this.#pingInterval = pingInterval;
    this.#pongTimeout = pongTimeout;
    this.#backoff = checkBackoff({ base: backoffBase, cap: backoffCap, random });
    this.#batcher = batch ? new Batcher(typeof batch === 'function' ? batch : nextFrame) : null;
    this.#claims = permissions ? new Claims(permissions) : null;
  }

  /** This app instance's session id; send it as `x-session-id` with every API request. */
  get sessionId() {
    return this.#sessionId;
  }

  /** The current {@link State}. */
  get state() {
    return this.#state;
  }

  /**
   * Headers to add to every HTTP request to the backend, so the gateway and this client
   * can recognize the events of this instance's own changes.
   *
   * @returns {{'x-session-id': string}}
   */
  headers() {
    return { 'x-session-id': this.#sessionId };
  }

  /** The patterns followed: given to {@link subscribe} and neither refused nor revoked. */
  get subscriptions() {
    return [...this.#subscriptions.keys()];
  }

  /**
   * Where each subscription stands in the gateway's history, by pattern: what it resumes
   * from after a reconnection (an app may keep it, to resume with `since` after a reload).
   * Subscriptions whose position is not known are left out.
   *
   * @returns {Record<string, Mark>}
   */
  get positions() {
    const known = [...this.#subscriptions].filter(([, sub]) => sub.mark !== null);
    return Object.fromEntries(known.map(([pattern, { mark }]) => [pattern, { ...mark }]));
  }

  /**
   * Start connecting (and keep reconnecting until `close()`).
   *
   * @returns {Promise<void>} Resolves when the connection is open: authenticated and every
   *   subscription answered. Rejects if `auth` is refused or the client is closed first;
   *   an unreachable gateway is retried, not reported here (watch {@link onState}).
   */
  connect() {
    if (this.#state === State.CLOSED) return Promise.reject(closedError());
    if (this.#state === State.OPEN) return Promise.resolve();
    const opened = new Promise((resolve, reject) => this.#openWaiters.push({ resolve, reject }));
    if (this.#state === State.IDLE) {
      this.#setState(State.CONNECTING);
      this.#openSocket();
    }
    return opened;
  }

  /**
   * Follow a routing-key pattern; it is subscribed again after every reconnection, resumed
   * where it stood (see {@link onResume}).
   *
   * @param {string} pattern e.g. `changes.project.5.*`, `web_notifications.42`.
   * @param {{selfNotification?: boolean, since?: Mark | null}} [options]
   *   `selfNotification: true` delivers this instance's own changes too (they are filtered
   *   out by default). `since` (a new pattern only): resume from there, e.g. a position kept
   *   from {@link positions} before a reload; the outcome is reported to {@link onResume}.
   * @returns {Promise<void>} Resolves on the gateway's `ack` (sent once connected); rejects
   *   with a {@link TaigaEventsError} on its `error` reply, and the pattern is then dropped.
   */
  subscribe(pattern, { selfNotification = false, since = null } = {}) {
    if (this.#state === State.CLOSED) return Promise.reject(closedError());
    let subscription = this.#subscriptions.get(pattern);
    if (subscription) {
      subscription.selfNotification = selfNotification;
    } else {
      subscription = {
        pattern,
        selfNotification,
        matcher: patternMatcher(pattern),
        waiters: [],
        mark: since && { position: since.position, epoch: since.epoch },
        resuming: since !== null,
      };
      this.#subscriptions.set(pattern, subscription);
    }
    const answered = new Promise((resolve, reject) => {
      subscription.waiters.push({ resolve, reject });
    });
    if (this.#conn?.ready) this.#sendSubscribe(this.#conn, pattern, subscription);
    return answered;
  }

  /**
   * Stop following a pattern given to {@link subscribe}.
   *
   * @param {string} pattern
   * @returns {Promise<void>}
   */
  unsubscribe(pattern) {
    const subscription = this.#subscriptions.get(pattern);
    if (!subscription) {
      return Promise.reject(new TaigaEventsError('not_subscribed', `not subscribed to ${pattern}`));
    }
    this.#forget(pattern, subscription);
    settle(subscription.waiters, new TaigaEventsError('unsubscribed', `unsubscribed ${pattern}`));
    const conn = this.#conn;
    if (!conn?.ready) return Promise.resolve();
    return this.#request(conn, 'unsubscribe', { routing_key: pattern }).catch((error) => {
      // A lost connection forgets its subscriptions, and this one will not be sent again.
      if (conn.alive) throw error;
    });
  }

  /**
   * Call `handler` for every event whose routing key matches `pattern` (gateway semantics,
   * including `changes.project.{id}.*` meaning all of that project's changes). Events of
   * this instance's own changes are skipped unless a matching subscription asked for them.
   *
   * @param {string} pattern
   * @param {(event: TaigaEvent | TaigaEvent[]) => void} handler Receives one event, or with
   *   the `batch` option an array of the events of one animation frame.
   * @returns {() => void} Removes the handler.
   */
  on(pattern, handler) {
    const entry = { matcher: patternMatcher(pattern), handler };
    this.#handlers.add(entry);
    return () => this.#handlers.delete(entry);
  }

  /**
   * Listen to connection-state changes (for a connection indicator).
   *
   * @param {(change: StateChange) => void} listener
   * @returns {() => void} Removes the listener.
   */
  onState(listener) {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /**
   * Listen to every frame received, parsed, before any filtering (for an event log).
   *
   * @param {(frame: Frame) => void} listener
   * @returns {() => void} Removes the listener.
   */
  onFrame(listener) {
    this.#frameListeners.add(listener);
    return () => this.#frameListeners.delete(listener);
  }

  /**
   * Listen to the errors the gateway sends unprompted, about one subscription (its
   * `routingKey`): `subscription_revoked` (the user may no longer see it: the client drops
   * it) and `subscription_suspended` (paused until the gateway can check permissions again);
   * or `invalid_permissions` (claims refused: the gateway asks the backend instead).
   *
   * @param {(error: TaigaEventsError) => void} listener
   * @returns {() => void} Removes the listener.
   */
  onError(listener) {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /**
   * Listen to the outcome of each subscription sent again after a reconnection (or given a
   * `since`), called on its `ack`, before what it replays. `recovered: true`: every event
   * missed follows, like live ones. `recovered: false`: some are lost (`reason` says why),
   * so fetch again what depends on that subscription; it is live again either way. Also
   * called, with `recovered: false` and `epoch`, when a connected subscription meets a new
   * history (the broker's was made again: events may have been lost between the two).
   *
   * @param {(resumed: Resumed) => void} listener
   * @returns {() => void} Removes the listener.
   */
  onResume(listener) {
    this.#resumeListeners.add(listener);
    return () => this.#resumeListeners.delete(listener);
  }

  /**
   * Authenticate again on the open connection, e.g. with a fresh token before the current
   * one expires; the subscriptions stay. The token is also used for later reconnections.
   *
   * @param {string | (() => (string | Promise<string>))} [token] Defaults to the current
   *   token (a function is asked again).
   * @returns {Promise<void>} Resolves on the `ack` (at once when not connected); rejects
   *   with `auth_failed` if refused, which leaves the connection and the token as they were.
   */
  async authenticate(token = this.#token) {
    const previous = this.#token;
    this.#token = token;
    const conn = this.#conn;
    if (this.#state !== State.OPEN || !conn) return;
    const value = typeof token === 'function' ? await token() : token;
    try {
      await this.#request(conn, 'auth', { data: await this.#authData(value) });
      conn.token = value;
    } catch (error) {
      if (conn.alive) this.#token = previous; // refused: keep what works
      throw error;
    }
  }

  /**
   * Ping the gateway now. Without a pong within `pongTimeout` the connection is taken for
   * dead and replaced.
   *
   * @returns {Promise<void>} Resolves on the pong.
   */
  ping() {
    const conn = this.#conn;
    if (this.#state !== State.OPEN || !conn) {
      return Promise.reject(new TaigaEventsError('not_connected', `the client is ${this.#state}`));
    }
    return this.#request(conn, 'ping', {}, this.#pongTimeout);
  }

  /** Close the connection for good and stop reconnecting. */
  close() {
    this.#shutdown(null);
  }

  // Connection life cycle ---------------------------------------------------------------

  #openSocket() {
    this.#retryTimer = undefined;
    let socket;
    try {
      socket = new this.#WebSocket(this.#url);
    } catch (error) {
      this.#shutdown(error); // A malformed URL will not get better.
      return;
    }
    const conn = new Connection(socket);
    this.#conn = conn;
    socket.onopen = () => this.#handshake(conn);
    socket.onmessage = (message) => this.#receive(conn, message.data);
    socket.onclose = (event) => {
      this.#lose(conn, new TaigaEventsError('connection_lost', `closed with code ${event.code}`));
    };
    socket.onerror = () => {
      this.#lose(conn, new TaigaEventsError('connection_lost', `cannot reach ${this.#url}`));
    };
  }

  /** @param {Connection} conn */
  async #handshake(conn) {
    let token;
    try {
      token = typeof this.#token === 'function' ? await this.#token() : this.#token;
    } catch (error) {
      // A token refresh that failed may work at the next attempt.
      this.#lose(conn, new TaigaEventsError('token_unavailable', `the token source failed: ${error}`));
      return;
    }
    if (token) {
      try {
        await this.#request(conn, 'auth', { data: await this.#authData(token) });
      } catch (error) {
        // Still alive means the gateway answered with an error: retrying cannot help.
        if (conn.alive) this.#shutdown(error);
        return;
      }
      conn.token = token;
      this.#scheduleClaims(conn);
    }
    conn.ready = true;
    const subscriptions = [...this.#subscriptions];
    await Promise.all(subscriptions.map(([pattern, sub]) => this.#sendSubscribe(conn, pattern, sub)));
    if (!conn.alive) return;
    this.#attempt = 0;
    this.#setState(State.OPEN);
    settle(this.#openWaiters, null);
    this.#scheduleHeartbeat(conn);
  }

  /**
   * Send one subscription (with `since` where it resumes) and settle whoever waits for it;
   * never rejects.
   *
   * @param {Connection} conn
   * @param {string} pattern
   * @param {Subscription} sub
   */
  async #sendSubscribe(conn, pattern, sub) {
    // Sent again on the connection that has it, it only changes its options.
    const resuming = sub.resuming && !conn.current.has(sub);
    const fields = { routing_key: pattern, options: { selfNotification: sub.selfNotification } };
    if (resuming && sub.mark) fields.since = sub.mark;
    const onAck = (/** @type {Ack} */ ack) => this.#subscribed(conn, pattern, sub, resuming, ack);
    try {
      await this.#request(conn, 'subscribe', fields, undefined, onAck);
      settle(sub.waiters, null);
    } catch (error) {
      if (!conn.alive) return; // Sent again, and answered, after the reconnection.
      if (this.#subscriptions.get(pattern) === sub) this.#forget(pattern, sub);
      settle(sub.waiters, error);
    }
  }

  /**
   * A subscription's `ack`, as it arrives (before any event it replays): from here on the
   * connection's events move its mark, and a resume's outcome is reported.
   *
   * @param {Connection} conn
   * @param {string} pattern
   * @param {Subscription} sub
   * @param {boolean} resuming Whether it was sent as a resume, from `sub.mark`.
   * @param {Ack} ack
   */
  #subscribed(conn, pattern, sub, resuming, ack) {
    if (this.#subscriptions.get(pattern) !== sub) return; // unsubscribed meanwhile
    const since = sub.mark;
    const head = ackMark(ack);
    conn.current.add(sub);
    sub.resuming = true;
    if (!resuming) {
      // Current from the ack's position: the events before it were delivered already.
      if (head && isNewer(sub.mark, head)) sub.mark = head;
      return;
    }
    const outcome = resumeOutcome(since, ack);
    if (!outcome.recovered) sub.mark = head; // it starts again from there
    else if (head) conn.replaying.push([sub, head]);
    this.#reportResume(sub, outcome, since);
  }

  /**
   * @param {Subscription} sub
   * @param {{recovered: boolean, reason: string | null}} outcome
   * @param {Mark | null} since
   */
  #reportResume(sub, outcome, since) {
    const resumed = { routingKey: sub.pattern, ...outcome, since: since && { ...since } };
    for (const listener of this.#resumeListeners) callSafely(listener, resumed);
  }

  /**
   * Drop a subscription.
   *
   * @param {string} pattern
   * @param {Subscription} sub
   */
  #forget(pattern, sub) {
    this.#subscriptions.delete(pattern);
    this.#conn?.current.delete(sub);
  }

  /**
   * The `auth` command's data; with the `permissions` option, claims for the projects
   * followed (none if they cannot be had: the gateway then asks the backend).
   *
   * @param {string} token
   * @param {boolean} [fresh] New claims, not those kept.
   */
  async #authData(token, fresh = false) {
    const data = { token, sessionId: this.#sessionId };
    const ids = projectIds(this.#subscriptions.keys());
    const permissions = await this.#claims?.get(ids, { fresh });
    return permissions ? { ...data, permissions } : data;
  }

  /**
   * Send fresh claims on the open connection before the ones it has run out.
   *
   * @param {Connection} conn
   */
  #scheduleClaims(conn) {
    if (!this.#claims) return;
    conn.claimsTimer = setTimeout(async () => {
      const data = await this.#authData(/** @type {string} */ (conn.token), true);
      if (!conn.alive) return;
      // A refusal changes nothing: the gateway keeps the connection as it was.
      if (data.permissions) await this.#request(conn, 'auth', { data }).catch(() => {});
      if (conn.alive) this.#scheduleClaims(conn);
    }, this.#claims.refreshIn());
  }

  /** @param {Connection} conn */
  #scheduleHeartbeat(conn) {
    conn.timer = setTimeout(() => {
      this.#request(conn, 'ping', {}, this.#pongTimeout).then(
        () => this.#scheduleHeartbeat(conn),
        () => {}, // The connection is gone and a reconnection is scheduled.
      );
    }, this.#pingInterval);
  }

  /**
   * Send a command with an id; settles on the reply carrying that id.
   *
   * @param {Connection} conn
   * @param {string} cmd
   * @param {object} fields
   * @param {number} [timeout] Without a reply by then the connection is taken for dead.
   * @param {(ack: Ack) => void} [onAck] Called as the `ack` arrives, before later frames.
   * @returns {Promise<void>}
   */
  #request(conn, cmd, fields, timeout, onAck) {
    if (!conn.alive) return Promise.reject(lostError());
    this.#nextId += 1;
    const id = this.#nextId;
    return new Promise((resolve, reject) => {
      /** @type {ReturnType<typeof setTimeout> | undefined} */
      let timer;
      const done = (/** @type {Function} */ settleWith) => (/** @type {any} */ value) => {
        clearTimeout(timer);
        conn.pending.delete(id);
        settleWith(value);
      };
      conn.pending.set(id, { cmd, resolve: done(resolve), reject: done(reject), onAck });
      if (timeout !== undefined) {
        timer = setTimeout(() => {
          this.#lose(conn, new TaigaEventsError('pong_timeout', `no pong within ${timeout} ms`));
        }, timeout);
      }
      try {
        conn.socket.send(encodeCommand(cmd, fields, id));
      } catch {
        this.#lose(conn, lostError());
      }
    });
  }

  /**
   * @param {Connection} conn
   * @param {unknown} data
   */
  #receive(conn, data) {
    if (!conn.alive || typeof data !== 'string') return;
    const frame = parseFrame(data);
    for (const listener of this.#frameListeners) callSafely(listener, frame);
    if (frame.kind === 'event') {
      this.#moveMarks(conn, frame.event);
      this.#dispatch(frame.event);
      return;
    }
    if (frame.kind === 'unknown') return;
    if (frame.kind === 'error' && frame.id === null) {
      this.#notice(new TaigaEventsError(frame.code, frame.message, frame.routingKey));
      return;
    }
    let { id } = frame;
    if (id === null && frame.kind === 'pong') {
      // Old gateways answer a ping with a bare pong: it answers the oldest ping.
      id = [...conn.pending].find(([, entry]) => entry.cmd === 'ping')?.[0] ?? null;
    }
    const entry = conn.pending.get(/** @type {number} */ (id));
    if (!entry) return;
    // A reply comes after whatever the gateway sent for earlier commands, replays included.
    for (const [sub, head] of conn.replaying.splice(0)) {
      if (isNewer(sub.mark, head)) sub.mark = head;
    }
    if (frame.kind === 'pong') this.#catchUp(conn, frame);
    if (frame.kind === 'error') {
      entry.reject(new TaigaEventsError(frame.code, frame.message));
      return;
    }
    if (frame.kind === 'ack') entry.onAck?.(frame);
    entry.resolve();
  }

  /**
   * An event received: the subscriptions of the connection that it matches stand there now.
   *
   * @param {Connection} conn
   * @param {TaigaEvent} event
   */
  #moveMarks(conn, { routingKey, position, epoch }) {
    if (position === null || epoch === null) return;
    const mark = { position, epoch };
    for (const sub of conn.current) {
      if (sub.matcher(routingKey)) this.#advance(sub, mark);
    }
  }

  /**
   * A subscription stands at `mark` now. If its own is of another history, the broker's
   * history was made again while it was connected and events may have been lost between
   * the two: that is reported as a resume that did not recover (`epoch`), so that what
   * depends on it is fetched again.
   *
   * @param {Subscription} sub
   * @param {Mark} mark
   */
  #advance(sub, mark) {
    const since = sub.mark;
    if (since !== null && since.epoch !== mark.epoch) {
      sub.mark = mark;
      this.#reportResume(sub, { recovered: false, reason: 'epoch' }, since);
    } else if (isNewer(since, mark)) {
      sub.mark = mark;
    }
  }

  /**
   * A pong: every event up to where it says the history stands came before it, so the
   * connection's subscriptions stand there, the quiet ones too (whose last event may be too
   * old to resume from).
   *
   * @param {Connection} conn
   * @param {{position: number | null, epoch: string | null}} head
   */
  #catchUp(conn, { position, epoch }) {
    if (position === null || epoch === null) return;
    for (const sub of conn.current) this.#advance(sub, { position, epoch });
  }

  /**
   * An unprompted error about one subscription; a revoked one is not sent again.
   *
   * @param {TaigaEventsError} error
   */
  #notice(error) {
    if (error.code === 'subscription_revoked') {
      const revoked = normalizePattern(/** @type {string} */ (error.routingKey));
      for (const [pattern, sub] of this.#subscriptions) {
        if (normalizePattern(pattern) !== revoked) continue;
        this.#forget(pattern, sub);
        settle(sub.waiters, error);
      }
    }
    for (const listener of this.#errorListeners) callSafely(listener, error);
  }

  /** @param {TaigaEvent} event */
  #dispatch(event) {
    if (event.sessionId !== null && event.sessionId === this.#sessionId) {
      const wanted = [...this.#subscriptions.values()].some(
        (sub) => sub.selfNotification && sub.matcher(event.routingKey),
      );
      if (!wanted) return;
    }
    for (const { matcher, handler } of this.#handlers) {
      if (!matcher(event.routingKey)) continue;
      if (this.#batcher) this.#batcher.add(handler, event);
      else callSafely(handler, event);
    }
  }

  /**
   * Forget a connection (idempotent) and, unless closed, schedule the next attempt.
   *
   * @param {Connection} conn
   * @param {Error} error
   */
  #lose(conn, error) {
    if (!conn.alive) return;
    conn.alive = false;
    clearTimeout(conn.timer);
    clearTimeout(conn.claimsTimer);
    for (const entry of [...conn.pending.values()]) entry.reject(error);
    const { socket } = conn;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close();
    } catch {
      // Already closing.
    }
    if (this.#conn === conn) this.#conn = null;
    if (this.#state !== State.CLOSED) this.#scheduleReconnect(error);
  }

  /** @param {Error} error */
  #scheduleReconnect(error) {
    const attempt = this.#attempt;
    this.#attempt += 1;
    const delay = backoffDelay(attempt, this.#backoff);
    this.#setState(State.RECONNECTING, { attempt, delay, error });
    this.#retryTimer = setTimeout(() => this.#openSocket(), delay);
  }

  /** @param {Error | null} error */
  #shutdown(error) {
    if (this.#state === State.CLOSED) return;
    clearTimeout(this.#retryTimer);
    this.#setState(State.CLOSED, { error });
    const reason = error ?? closedError();
    if (this.#conn) this.#lose(this.#conn, reason);
    settle(this.#openWaiters, reason);
    for (const sub of this.#subscriptions.values()) settle(sub.waiters, reason);
  }

  /**
   * @param {State} state
   * @param {{attempt?: number, delay?: number, error?: Error | null}} [details]
   */
  #setState(state, { attempt, delay, error } = {}) {
    const previous = this.#state;
    this.#state = state;
    /** @type {StateChange} */
    const change = {
      state,
      previous,
      attempt: attempt ?? null,
      delay: delay ?? null,
      error: error ?? null,
    };
    for (const listener of this.#stateListeners) callSafely(listener, change);
  }
}

/**
 * Resolve (`error` null) or reject every waiter, and empty the list.
 *
 * @param {{resolve: Function, reject: Function}[]} waiters
 * @param {Error | null} error
 */
function settle(waiters, error) {
  for (const { resolve, reject } of waiters.splice(0)) {
    if (error) reject(error);
    else resolve();
  }
}

function closedError() {
  return new TaigaEventsError('closed', 'the client is closed');
}

function lostError() {
  return new TaigaEventsError('connection_lost', 'the connection was lost');
}

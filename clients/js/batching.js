/**
 * Batching handler calls per animation frame (the seed's "batch UI updates").
 *
 * A burst of events (a bulk reorder, a reconnection's catch-up) then costs one render per
 * handler and frame instead of one per event.
 *
 * @module batching
 */

/**
 * Run `callback` at the next animation frame, or on a timer where there are no frames
 * (Node, workers, background tabs without `requestAnimationFrame`).
 *
 * @param {() => void} callback
 */
export function nextFrame(callback) {
  if (typeof globalThis.requestAnimationFrame === 'function') {
    globalThis.requestAnimationFrame(() => callback());
  } else {
    setTimeout(callback, 0);
  }
}

/** Collects `(handler, event)` pairs and calls each handler once per frame with its events. */
export class Batcher {
  /** @type {Map<Function, any[]>} */
  #pending = new Map();
  #schedule;

  /** @param {(flush: () => void) => void} [schedule] Defaults to {@link nextFrame}. */
  constructor(schedule = nextFrame) {
    this.#schedule = schedule;
  }

  /**
   * Queue `event` for `handler`; the first queued event of a frame schedules the flush.
   *
   * @param {(events: any[]) => void} handler
   * @param {any} event
   */
  add(handler, event) {
    const first = this.#pending.size === 0;
    const events = this.#pending.get(handler);
    if (events) events.push(event);
    else this.#pending.set(handler, [event]);
    if (first) this.#schedule(() => this.flush());
  }

  /** Call every handler with the events queued for it, in arrival order. */
  flush() {
    const pending = this.#pending;
    this.#pending = new Map();
    for (const [handler, events] of pending) callSafely(handler, events);
  }
}

/**
 * Call a handler; its exception is reported, not allowed to stop the other handlers.
 *
 * @param {Function} handler
 * @param {any} argument
 */
export function callSafely(handler, argument) {
  try {
    handler(argument);
  } catch (error) {
    (globalThis.reportError ?? console.error)(error);
  }
}

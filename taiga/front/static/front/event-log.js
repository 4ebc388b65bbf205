/**
 * The raw frames the events client receives (`onFrame`), newest first, in a drawer beside
 * the board: what the gateway really sent, before any filtering. Their number shows on the
 * drawer and on the button that opens it.
 *
 * @module event-log
 */

import { h } from './dom.js';

const LIMIT = 200;

/**
 * The frame as the gateway sent it (parsed frames keep events whole; acks, pongs and
 * errors are rebuilt from their fields).
 *
 * @param {import('../taiga-events/frames.js').Frame} frame
 * @returns {any}
 */
function raw(frame) {
  switch (frame.kind) {
    case 'event':
      return frame.event.frame;
    case 'unknown':
      return frame.frame;
    case 'error': {
      const { id, code, message, routingKey } = frame;
      return routingKey === null
        ? { cmd: 'error', id, code, message }
        : { cmd: 'error', id, code, message, routing_key: routingKey };
    }
    default:
      return { cmd: frame.kind, id: frame.id };
  }
}

export class EventLog {
  #list;
  #counts;
  #received = 0;

  /**
   * @param {HTMLElement} drawer Holds the list (`ol`), a `.count` and a clear button.
   * @param {HTMLElement} buttonCount The count on the button that opens the drawer.
   */
  constructor(drawer, buttonCount) {
    this.#list = drawer.querySelector('ol');
    this.#counts = [drawer.querySelector('.count'), buttonCount];
    drawer.querySelector('[data-action="clear"]').addEventListener('click', () => {
      this.#list.replaceChildren();
      this.#received = 0;
      this.#showCount();
    });
  }

  /**
   * @param {import('../taiga-events/frames.js').Frame} frame
   * @param {string} sessionId This page's: its own events are marked (the client drops them).
   */
  add(frame, sessionId) {
    const own = frame.kind === 'event' && frame.event.sessionId === sessionId;
    const label = frame.kind === 'event' ? frame.event.routingKey : frame.kind;
    this.#list.prepend(
      h(
        'li',
        { class: `frame ${frame.kind}` },
        h('span', { class: 'time' }, new Date().toLocaleTimeString()),
        h('span', { class: 'label' }, label),
        own ? h('span', { class: 'own' }, 'own change: not applied') : null,
        h('code', {}, JSON.stringify(raw(frame))),
      ),
    );
    if (this.#list.children.length > LIMIT) this.#list.lastElementChild.remove();
    this.#received += 1;
    this.#showCount();
  }

  #showCount() {
    for (const count of this.#counts) count.textContent = String(this.#received);
  }
}

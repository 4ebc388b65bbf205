/**
 * Dragging cards by touch, which the browser's drag and drop does not do. A long press
 * lifts a card (a finger that moves sooner scrolls, as usual); the card then follows the
 * finger, the board scrolls while the finger is near one of its edges, and lifting the
 * finger drops the card there. Where a card may go is the view's business: this module
 * only reports the finger's positions.
 *
 * @module touch-drag
 */

import { h } from './dom.js';

const HOLD_MS = 350; // how long a press lifts a card
const SLOP_PX = 8; // how far a finger may wander during the press
const EDGE_PX = 48; // how near an edge of the board it scrolls
const SPEED_PX = 14; // per frame, at the very edge

/**
 * @typedef {object} DragHandlers
 * @property {(card: HTMLElement) => boolean} lift A card is lifted: whether it may be.
 * @property {(x: number, y: number) => void} over The finger is there.
 * @property {(x: number, y: number) => void} drop The finger was lifted there.
 * @property {() => void} end The drag ended without a drop.
 */

export class TouchDrag {
  #scroller;
  #handlers;
  /** @type {{card: HTMLElement, x: number, y: number, timer: number} | null} */
  #press = null;
  /** @type {{ghost: HTMLElement, dx: number, dy: number, x: number, y: number} | null} */
  #drag = null;
  /** @type {EventTarget | null} Where the touch began, which gets all its events. */
  #target = null;
  #listeners = {
    touchmove: (/** @type {TouchEvent} */ event) => this.#move(event),
    touchend: (/** @type {TouchEvent} */ event) => this.#finish(event, true),
    touchcancel: (/** @type {TouchEvent} */ event) => this.#finish(event, false),
  };

  /**
   * @param {HTMLElement} scroller The board's scrolling area, holding the cards.
   * @param {DragHandlers} handlers
   */
  constructor(scroller, handlers) {
    this.#scroller = scroller;
    this.#handlers = handlers;
    scroller.addEventListener('touchstart', (event) => this.#start(event), { passive: true });
    scroller.addEventListener('contextmenu', (event) => {
      if (this.#press || this.#drag) event.preventDefault(); // a long press is ours
    });
  }

  /** @param {TouchEvent} event */
  #start(event) {
    this.#cancelPress();
    const target = /** @type {HTMLElement} */ (event.target);
    const card = /** @type {HTMLElement | null} */ (target.closest('.card[draggable="true"]'));
    if (event.touches.length !== 1 || !card || this.#drag) return;
    const { clientX: x, clientY: y } = event.touches[0];
    const timer = window.setTimeout(() => this.#lift(), HOLD_MS);
    this.#press = { card, x, y, timer };
    // The touch's events go to where it began, even once a render has taken that out of
    // the page (a card redrawn by a live change): they are listened to there.
    this.#listen(target);
  }

  /** @param {EventTarget | null} target */
  #listen(target) {
    for (const [type, listener] of Object.entries(this.#listeners)) {
      this.#target?.removeEventListener(type, listener);
      target?.addEventListener(type, listener, { passive: false });
    }
    this.#target = target;
  }

  #lift() {
    const { card, x, y } = this.#press;
    this.#press = null;
    if (!this.#handlers.lift(card)) return;
    const box = card.getBoundingClientRect();
    const ghost = h('div', { class: 'card-ghost', 'aria-hidden': 'true' });
    ghost.append(...[...card.children].map((child) => child.cloneNode(true)));
    ghost.style.width = `${box.width}px`;
    document.body.append(ghost);
    this.#drag = { ghost, dx: x - box.left, dy: y - box.top, x, y };
    this.#scroller.classList.add('touch-dragging');
    this.#follow(x, y);
    requestAnimationFrame(() => this.#scrollNearEdges());
  }

  /** @param {TouchEvent} event */
  #move(event) {
    const touch = event.touches[0];
    if (this.#press) {
      const moved = Math.hypot(touch.clientX - this.#press.x, touch.clientY - this.#press.y);
      if (moved > SLOP_PX) this.#cancelPress(); // a scroll, not a press
      return;
    }
    if (!this.#drag) return;
    event.preventDefault(); // the finger carries the card: the board does not scroll
    this.#follow(touch.clientX, touch.clientY);
  }

  /**
   * @param {TouchEvent} event
   * @param {boolean} drop
   */
  #finish(event, drop) {
    this.#cancelPress();
    this.#listen(null);
    const drag = this.#drag;
    if (!drag) return;
    if (event.cancelable) event.preventDefault(); // no click on the card after a drag
    this.#drag = null;
    drag.ghost.remove();
    this.#scroller.classList.remove('touch-dragging');
    if (drop) this.#handlers.drop(drag.x, drag.y);
    else this.#handlers.end();
  }

  /**
   * @param {number} x
   * @param {number} y
   */
  #follow(x, y) {
    const drag = this.#drag;
    drag.x = x;
    drag.y = y;
    drag.ghost.style.transform = `translate(${x - drag.dx}px, ${y - drag.dy}px) rotate(2deg)`;
    this.#handlers.over(x, y);
  }

  /** While dragging, scroll the board when the finger is on it, near one of its edges. */
  #scrollNearEdges() {
    const drag = this.#drag;
    if (!drag) return;
    const box = this.#scroller.getBoundingClientRect();
    const speed = (position, start, end) => {
      if (position < start + EDGE_PX) return -SPEED_PX * (1 - (position - start) / EDGE_PX);
      if (position > end - EDGE_PX) return SPEED_PX * (1 - (end - position) / EDGE_PX);
      return 0;
    };
    const inside =
      drag.x >= box.left && drag.x <= box.right && drag.y >= box.top && drag.y <= box.bottom;
    const dx = inside ? speed(drag.x, box.left, box.right) : 0;
    const dy = inside ? speed(drag.y, box.top, box.bottom) : 0;
    if (dx || dy) {
      this.#scroller.scrollBy(dx, dy);
      this.#handlers.over(drag.x, drag.y);
    }
    requestAnimationFrame(() => this.#scrollNearEdges());
  }

  #cancelPress() {
    if (this.#press) window.clearTimeout(this.#press.timer);
    this.#press = null;
  }
}

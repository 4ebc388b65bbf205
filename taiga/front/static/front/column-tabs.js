/**
 * The columns as a row of tabs above the board, for screens narrow enough to show one
 * column at a time (the style sheet hides the tabs elsewhere, and there hides the cells of
 * the other columns: those this module marks `off-column`). Each tab names its status and
 * counts its stories; choosing one, or swiping the board sideways, shows another column.
 *
 * @module column-tabs
 */

import { h } from './dom.js';

const SWIPE_PX = 60; // how far a finger goes sideways to change columns

export class ColumnTabs {
  #nav;
  #scroller;
  /** @type {Map<number, {button: HTMLElement, count: HTMLElement}>} By status id. */
  #tabs = new Map();
  /** @type {number | null} The status whose column is shown. */
  #current = null;

  /**
   * @param {HTMLElement} nav Where the tabs go.
   * @param {HTMLElement} scroller The board's scrolling area, whose column headings and
   *   cells have a `data-status`.
   */
  constructor(nav, scroller) {
    this.#nav = nav;
    this.#scroller = scroller;
    let start = null;
    scroller.addEventListener(
      'touchstart',
      (event) => {
        const touch = event.touches[0];
        start = event.touches.length === 1 ? { x: touch.clientX, y: touch.clientY } : null;
      },
      { passive: true },
    );
    scroller.addEventListener('touchend', (event) => {
      const touch = event.changedTouches[0];
      // A card carried by the finger (touch-drag.js) is not a swipe.
      if (!start || !this.#shown || scroller.classList.contains('touch-dragging')) return;
      const dx = touch.clientX - start.x;
      const dy = touch.clientY - start.y;
      if (Math.abs(dx) > SWIPE_PX && Math.abs(dx) > 2 * Math.abs(dy)) this.#step(dx < 0 ? 1 : -1);
    });
  }

  /** @param {any[]} statuses In board order: the columns, whose cells are built anew. */
  build(statuses) {
    this.#tabs.clear();
    this.#nav.replaceChildren(
      ...statuses.map((status) => {
        const count = h('span', { class: 'count' });
        const button = h(
          'button',
          {
            type: 'button',
            class: 'column-tab',
            'data-status': status.id,
            style: `--status-color: ${status.color || '#a9aabc'}`,
            onclick: () => this.show(status.id),
          },
          h('span', { class: 'column-tab-name' }, status.name),
          count,
        );
        this.#tabs.set(status.id, { button, count });
        return button;
      }),
    );
    if (!this.#tabs.has(this.#current)) this.#current = statuses[0]?.id ?? null;
    this.#mark();
  }

  /**
   * @param {number} statusId
   * @param {string} text
   * @param {boolean} over Over its WIP limit.
   */
  setCount(statusId, text, over) {
    const tab = this.#tabs.get(statusId);
    if (!tab) return;
    tab.count.textContent = text;
    tab.count.classList.toggle('over', over);
  }

  /**
   * Show a status's column (where one column shows at a time), from its top.
   *
   * @param {number} statusId
   */
  show(statusId) {
    if (!this.#tabs.has(statusId) || statusId === this.#current) return;
    this.#current = statusId;
    this.#mark();
    this.#scroller.scrollTop = 0;
  }

  /** Whether the tabs are on screen (one column at a time). */
  get #shown() {
    return this.#nav.offsetParent !== null;
  }

  /** @param {number} step +1: the next column, -1: the previous one. */
  #step(step) {
    const ids = [...this.#tabs.keys()];
    const next = ids[ids.indexOf(this.#current) + step];
    if (next !== undefined) this.show(next);
  }

  /** Mark the current tab and the other columns' headings and cells; keep the tab in sight. */
  #mark() {
    for (const element of this.#scroller.querySelectorAll('.grid [data-status]')) {
      element.classList.toggle('off-column', Number(element.dataset.status) !== this.#current);
    }
    for (const [id, { button }] of this.#tabs) {
      if (id === this.#current) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
    const button = this.#tabs.get(this.#current)?.button;
    if (!button || !this.#shown) return;
    const nav = this.#nav;
    if (button.offsetLeft < nav.scrollLeft) nav.scrollLeft = button.offsetLeft;
    const right = button.offsetLeft + button.offsetWidth - nav.clientWidth;
    if (right > nav.scrollLeft) nav.scrollLeft = right;
  }
}

/**
 * The columns as a row of tabs above the board, for screens narrow enough to show one
 * column at a time (the style sheet hides them elsewhere). Each names its status and
 * counts its stories; the one in view is marked (`aria-current`); choosing one scrolls the
 * board to it. Swiping the board changes columns too (it snaps to them), and the tabs
 * follow.
 *
 * @module column-tabs
 */

import { h } from './dom.js';

export class ColumnTabs {
  #nav;
  #scroller;
  /** @type {Map<number, {button: HTMLElement, count: HTMLElement}>} By status id. */
  #tabs = new Map();
  #scheduled = false;

  /**
   * @param {HTMLElement} nav Where the tabs go.
   * @param {HTMLElement} scroller The board's scrolling area, holding `.column-head`s with
   *   a `data-status`.
   */
  constructor(nav, scroller) {
    this.#nav = nav;
    this.#scroller = scroller;
    const schedule = () => {
      if (this.#scheduled) return;
      this.#scheduled = true;
      requestAnimationFrame(() => {
        this.#scheduled = false;
        this.#markCurrent();
      });
    };
    scroller.addEventListener('scroll', schedule, { passive: true });
    window.addEventListener('resize', schedule);
  }

  /** @param {any[]} statuses In board order. */
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
    this.#markCurrent();
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
   * Scroll the board to a status's column.
   *
   * @param {number} statusId
   */
  show(statusId) {
    const head = this.#head(statusId);
    if (!head) return;
    const padding = parseFloat(getComputedStyle(this.#scroller).paddingLeft) || 0;
    const smooth = !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    this.#scroller.scrollTo({
      left: head.offsetLeft - padding,
      behavior: smooth ? 'smooth' : 'auto',
    });
  }

  /** @param {number} statusId */
  #head(statusId) {
    return /** @type {HTMLElement | null} */ (
      this.#scroller.querySelector(`.column-head[data-status="${statusId}"]`)
    );
  }

  /** Mark the tab of the column nearest the board's left edge, and keep it in sight. */
  #markCurrent() {
    if (this.#nav.offsetParent === null) return; // not shown on this screen
    const padding = parseFloat(getComputedStyle(this.#scroller).paddingLeft) || 0;
    const left = this.#scroller.scrollLeft + padding;
    let current = null;
    let nearest = Infinity;
    for (const id of this.#tabs.keys()) {
      const distance = Math.abs((this.#head(id)?.offsetLeft ?? Infinity) - left);
      if (distance < nearest) [current, nearest] = [id, distance];
    }
    for (const [id, { button }] of this.#tabs) {
      if (id !== current) {
        button.removeAttribute('aria-current');
        continue;
      }
      button.setAttribute('aria-current', 'true');
      const nav = this.#nav;
      if (button.offsetLeft < nav.scrollLeft) nav.scrollLeft = button.offsetLeft;
      const right = button.offsetLeft + button.offsetWidth - nav.clientWidth;
      if (right > nav.scrollLeft) nav.scrollLeft = right;
    }
  }
}

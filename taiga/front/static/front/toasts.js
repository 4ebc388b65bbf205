/**
 * Short-lived messages in a corner of the page: notifications, system messages and failed
 * actions. A toast with a `key` replaces the one showing with the same key (news about one
 * item is one toast), starting its time again.
 *
 * @module toasts
 */

import { h } from './dom.js';

export class Toasts {
  #container;
  #onLink;
  /** @type {Map<string, {element: HTMLElement, timer: number}>} The toasts with a key. */
  #keyed = new Map();

  /**
   * @param {HTMLElement} container An `aria-live` region.
   * @param {(url: string) => void} onLink Follow a toast's link.
   */
  constructor(container, onLink) {
    this.#container = container;
    this.#onLink = onLink;
  }

  /**
   * Show a toast until dismissed or `timeout` ms have passed.
   *
   * @param {{title: string, body?: string, url?: string | null, timeout?: number,
   *   kind?: 'info' | 'error', key?: string}} toast
   */
  show({ title, body = '', url = null, timeout = 10000, kind = 'info', key }) {
    const previous = key === undefined ? undefined : this.#keyed.get(key);
    let timer = 0;
    const dismiss = () => {
      window.clearTimeout(timer);
      element.remove();
      if (key !== undefined && this.#keyed.get(key)?.element === element) this.#keyed.delete(key);
    };
    const link =
      url &&
      h(
        'a',
        {
          href: url,
          onclick: (event) => {
            event.preventDefault();
            dismiss();
            this.#onLink(url);
          },
        },
        'Open',
      );
    const element = h(
      'div',
      { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
      h('strong', {}, title),
      body && h('p', {}, body),
      link,
      h(
        'button',
        { type: 'button', class: 'dismiss', 'aria-label': 'Dismiss', onclick: dismiss },
        '×',
      ),
    );
    if (previous) {
      window.clearTimeout(previous.timer);
      previous.element.replaceWith(element);
    } else {
      this.#container.prepend(element);
    }
    timer = window.setTimeout(dismiss, timeout);
    if (key !== undefined) this.#keyed.set(key, { element, timer });
  }
}

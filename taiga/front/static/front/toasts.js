/**
 * Short-lived messages in a corner of the page: live notifications, system messages and
 * failed actions.
 *
 * @module toasts
 */

import { h } from './dom.js';

export class Toasts {
  #container;
  #onLink;

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
   *   kind?: 'info' | 'error'}} toast
   */
  show({ title, body = '', url = null, timeout = 10000, kind = 'info' }) {
    const dismiss = () => element.remove();
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
    this.#container.prepend(element);
    setTimeout(dismiss, timeout);
  }
}

/**
 * A panel shown and hidden by a button (the notifications, the event log, the keyboard
 * help): the button says whether it is open (`aria-expanded`), Escape closes it and gives
 * the focus back to the button, and a panel that is `light` also closes on a click
 * elsewhere. The event log is not light: it stays open while the board is used.
 *
 * @module popover
 */

export class Popover {
  #button;
  #panel;
  #onToggle;

  /**
   * @param {HTMLElement} button
   * @param {HTMLElement} panel
   * @param {object} [options]
   * @param {boolean} [options.light] Close on a click outside the panel and the button.
   * @param {(open: boolean) => void} [options.onToggle] Called after it opened or closed.
   */
  constructor(button, panel, { light = true, onToggle = () => {} } = {}) {
    this.#button = button;
    this.#panel = panel;
    this.#onToggle = onToggle;
    button.addEventListener('click', () => this.toggle(!this.open));
    document.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || !this.open || event.defaultPrevented) return;
      const focus = document.activeElement;
      const inside = panel.contains(focus);
      if (!light && !inside && focus !== button) return;
      event.preventDefault();
      this.toggle(false);
      if (inside) button.focus();
    });
    if (light) {
      document.addEventListener('pointerdown', (event) => {
        const target = /** @type {Node} */ (event.target);
        if (this.open && !panel.contains(target) && !button.contains(target)) this.toggle(false);
      });
    }
  }

  /** @returns {boolean} */
  get open() {
    return !this.#panel.hidden;
  }

  /** @param {boolean} open */
  toggle(open) {
    if (open === this.open) return;
    this.#panel.hidden = !open;
    this.#button.setAttribute('aria-expanded', String(open));
    this.#onToggle(open);
  }
}

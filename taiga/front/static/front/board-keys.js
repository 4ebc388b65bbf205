/**
 * The board's keyboard, on a focused card: the arrows go from card to card; Shift and the
 * arrows move the card (left and right: to the neighbouring column; up and down: within
 * its cell), Alt, Shift and up or down to the neighbouring swimlane. The moved card keeps
 * the focus (the view gives it back after every render).
 *
 * @module board-keys
 */

import { moveTargets } from './card.js';

const ARROWS = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' };

export class BoardKeys {
  #root;
  #board;
  #rows;

  /**
   * @param {HTMLElement} root The board's element, holding its cells and cards.
   * @param {import('./board.js').Board} board
   * @param {() => import('./card.js').Row[]} rows The swimlanes as shown.
   */
  constructor(root, board, rows) {
    this.#root = root;
    this.#board = board;
    this.#rows = rows;
    root.addEventListener('keydown', (event) => this.#key(event));
  }

  /** @param {KeyboardEvent} event */
  #key(event) {
    const direction = ARROWS[event.key];
    const target = /** @type {HTMLElement} */ (event.target);
    if (!direction || event.ctrlKey || event.metaKey) return;
    if (target.closest('input, textarea, select')) return;
    const card = /** @type {HTMLElement | null} */ (target.closest('.card'));
    if (!card) return;
    const handled = event.shiftKey
      ? this.#move(card, direction, event.altKey)
      : !event.altKey && this.#go(card, direction);
    if (handled) event.preventDefault();
  }

  /**
   * Move the focus to the neighbouring card in a direction, if there is one.
   *
   * @param {HTMLElement} card
   * @param {string} direction
   * @returns {boolean}
   */
  #go(card, direction) {
    const cell = /** @type {HTMLElement} */ (card.closest('.cell'));
    const cards = this.#cardsOf(cell);
    const index = cards.indexOf(card);
    let next = null;
    if (direction === 'up' || direction === 'down') {
      const step = direction === 'up' ? -1 : 1;
      next = cards[index + step] ?? null;
      const rows = this.#rows();
      const row = rows.findIndex((lane) => String(lane.id ?? '') === cell.dataset.swimlane);
      for (let r = row + step; !next && r >= 0 && r < rows.length; r += step) {
        const others = this.#cardsOf(this.#cell(cell.dataset.status, rows[r].id ?? ''));
        next = (step > 0 ? others[0] : others.at(-1)) ?? null;
      }
    } else {
      const step = direction === 'left' ? -1 : 1;
      const statuses = this.#board.statuses;
      const column = statuses.findIndex((s) => String(s.id) === cell.dataset.status);
      for (let c = column + step; !next && c >= 0 && c < statuses.length; c += step) {
        const others = this.#cardsOf(this.#cell(statuses[c].id, cell.dataset.swimlane));
        next = others[Math.min(index, others.length - 1)] ?? null;
      }
    }
    const focusable = /** @type {HTMLElement | null} */ (next?.querySelector('[data-focus]'));
    focusable?.focus();
    return Boolean(focusable);
  }

  /**
   * Move a card's story a step in a direction, if it may go there.
   *
   * @param {HTMLElement} card
   * @param {string} direction
   * @param {boolean} acrossLanes Up and down go to the neighbouring swimlane.
   * @returns {boolean}
   */
  #move(card, direction, acrossLanes) {
    const board = this.#board;
    const story = board.stories.get(Number(card.dataset.id));
    if (!story || !board.can('modify_us')) return false;
    const sideways = direction === 'left' || direction === 'right';
    if (sideways || acrossLanes) {
      const target = moveTargets(story, board, this.#rows())[direction];
      if (target) board.move(story.id, target.place);
      return true;
    }
    // Within the cell, among the cards shown: before the previous one, or after the next.
    const cards = this.#cardsOf(/** @type {HTMLElement} */ (card.closest('.cell')));
    const index = cards.indexOf(card);
    const before = direction === 'up' ? cards[index - 1] : cards[index + 2];
    if (direction === 'up' ? index > 0 : index < cards.length - 1) {
      board.move(story.id, {
        status: story.status,
        swimlane: story.swimlane ?? null,
        before: before ? Number(before.dataset.id) : null,
      });
    }
    return true;
  }

  /**
   * @param {string | number} status
   * @param {string | number} swimlane
   * @returns {HTMLElement | null}
   */
  #cell(status, swimlane) {
    return this.#root.querySelector(`.cell[data-status="${status}"][data-swimlane="${swimlane}"]`);
  }

  /**
   * The cards shown in a cell, in order (none in a collapsed swimlane, or in a column not
   * shown on a narrow screen).
   *
   * @param {HTMLElement | null} cell
   * @returns {HTMLElement[]}
   */
  #cardsOf(cell) {
    if (!cell || cell.offsetParent === null) return [];
    const list = cell.querySelector('.cards');
    return [.../** @type {HTMLCollectionOf<HTMLElement>} */ (list.children)];
  }
}

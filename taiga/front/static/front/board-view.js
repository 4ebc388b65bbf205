/**
 * The board on screen: a column per status, a row per swimlane, a card per story that the
 * filter lets through.
 *
 * Rendering is keyed: cards and cells are kept and moved rather than rebuilt, so that a
 * change elsewhere does not disturb what the user is doing (the focus stays on the card
 * it was on). Cards move by drag and drop (mouse), by a long press and drag (touch), by
 * their buttons and by the keyboard (`board-keys.js`); stories are added in a cell.
 *
 * @module board-view
 */

import { BoardKeys } from './board-keys.js';
import { cellKey } from './board.js';
import { cardContent } from './card.js';
import { h } from './dom.js';
import { TouchDrag } from './touch-drag.js';

export class BoardView {
  #root;
  #board;
  #onEdit;
  #filter;
  #tabs;
  #layout = '';
  /** @type {Map<string, {list: HTMLElement, status: any, lane: any}>} */
  #cells = new Map();
  /** @type {Map<number, {element: HTMLElement, signature: string}>} */
  #cards = new Map();
  /** @type {Set<number | null>} Swimlanes shown collapsed. */
  #collapsed = new Set();
  /** @type {number | null} The story being dragged. */
  #dragged = null;
  /** @type {{id: number | null, name: string | null}[]} The rows, as last rendered. */
  #rows = [];

  /**
   * @param {HTMLElement} root The board's scrolling area.
   * @param {import('./board.js').Board} board
   * @param {object} options
   * @param {(id: number) => void} options.onEdit Open a story's editor.
   * @param {import('./board-filter.js').BoardFilter} options.filter Which stories to show.
   * @param {import('./column-tabs.js').ColumnTabs} options.tabs The columns as tabs.
   */
  constructor(root, board, { onEdit, filter, tabs }) {
    this.#root = root;
    this.#board = board;
    this.#onEdit = onEdit;
    this.#filter = filter;
    this.#tabs = tabs;
    new BoardKeys(root, board, () => this.#rows);
    new TouchDrag(root, {
      lift: (card) => this.#lift(Number(card.dataset.id)),
      over: (x, y) => this.#dragOver(x, y),
      drop: (x, y) => this.#dropAt(x, y),
      end: () => this.#endDrag(),
    });
  }

  /**
   * Show the board as it is now.
   *
   * @param {number[]} [remote] Stories changed by others: pointed out briefly.
   */
  render(remote = []) {
    const board = this.#board;
    if (!board.project) {
      this.#layout = '';
      this.#cells.clear();
      this.#root.replaceChildren();
      this.#tabs.build([]);
      this.#filter.showResult(0, 0);
      return;
    }
    const focus = this.#focusedCard();
    const lanes = this.#lanes();
    this.#rows = lanes;
    const layout = JSON.stringify([
      board.project.id,
      board.statuses.map((s) => [s.id, s.name, s.color, s.wip_limit]),
      lanes.map((lane) => [lane.id, lane.name, this.#collapsed.has(lane.id)]),
      [...board.permissions],
    ]);
    // Built anew, the board is scrolled back to where it was once its cards are in.
    const scrolled = layout === this.#layout ? null : [this.#root.scrollLeft, this.#root.scrollTop];
    if (scrolled) {
      this.#layout = layout;
      this.#build(lanes);
    }
    const cells = board.cells();
    const laneCounts = new Map();
    const totals = new Map(); // by status: all its stories, and those the filter shows
    const shown = new Map();
    const add = (counts, id, n) => counts.set(id, (counts.get(id) ?? 0) + n);
    for (const [key, cell] of this.#cells) {
      const stories = cells.get(key) ?? [];
      const visible = stories.filter((story) => this.#filter.matches(story, board.members));
      this.#fill(cell.list, visible);
      add(laneCounts, cell.lane.id, visible.length);
      add(totals, cell.status.id, stories.length);
      add(shown, cell.status.id, visible.length);
    }
    for (const status of board.statuses) {
      const total = totals.get(status.id) ?? 0;
      const limit = status.wip_limit ? ` / ${status.wip_limit}` : '';
      const text = this.#filter.active ? `${shown.get(status.id) ?? 0} of ${total}` : `${total}`;
      const over = Boolean(status.wip_limit) && total > status.wip_limit;
      const element = this.#root.querySelector(`[data-count-status="${status.id}"]`);
      element.textContent = text + limit;
      element.classList.toggle('over', over);
      this.#tabs.setCount(status.id, text, over);
    }
    for (const element of this.#root.querySelectorAll('[data-count-lane]')) {
      const id = element.dataset.countLane === '' ? null : Number(element.dataset.countLane);
      element.textContent = String(laneCounts.get(id) ?? 0);
    }
    for (const [id, card] of this.#cards) {
      if (!board.stories.has(id)) {
        card.element.remove();
        this.#cards.delete(id);
      }
    }
    const all = [...totals.values()].reduce((sum, n) => sum + n, 0);
    this.#filter.showResult([...shown.values()].reduce((sum, n) => sum + n, 0), all);
    if (scrolled) [this.#root.scrollLeft, this.#root.scrollTop] = scrolled;
    if (focus) this.#restoreFocus(focus);
    for (const id of remote) this.#flash(this.#cards.get(id)?.element);
  }

  /**
   * Point out a story (a link to it was followed), if it is on the board: the filter
   * lets it through, and its column is shown where one column shows at a time.
   *
   * @param {{id?: number, ref?: number}} which
   */
  highlight({ id, ref }) {
    const story = [...this.#board.stories.values()].find((s) => s.id === id || s.ref === ref);
    if (!story) return;
    if (!this.#filter.matches(story, this.#board.members)) this.#filter.reset(); // renders
    this.#tabs.show(story.status);
    const element = this.#cards.get(story.id)?.element;
    if (!element?.isConnected) return;
    for (const other of this.#root.querySelectorAll('.card.highlight')) {
      other.classList.remove('highlight');
    }
    element.classList.add('highlight');
    element.scrollIntoView({ block: 'center', inline: 'center' });
  }

  /** The rows: the swimlanes, and the stories of none if any; one unnamed row without. */
  #lanes() {
    const board = this.#board;
    if (board.swimlanes.length === 0) return [{ id: null, name: null }];
    const lanes = board.swimlanes.map((lane) => ({ id: lane.id, name: lane.name }));
    const unclassified = [...board.stories.values()].some((story) => story.swimlane === null);
    return unclassified ? [...lanes, { id: null, name: 'Unclassified' }] : lanes;
  }

  /** @param {{id: number | null, name: string | null}[]} lanes */
  #build(lanes) {
    const board = this.#board;
    const grid = h('div', { class: 'grid', style: `--columns: ${board.statuses.length}` });
    for (const status of board.statuses) {
      grid.append(
        h(
          'div',
          {
            class: 'column-head',
            'data-status': status.id,
            style: `--status-color: ${status.color || '#a9aabc'}`,
          },
          h('span', { class: 'column-name', title: status.name }, status.name),
          h('span', { class: 'count', 'data-count-status': status.id }),
        ),
      );
    }
    this.#cells.clear();
    for (const lane of lanes) {
      const collapsed = this.#collapsed.has(lane.id);
      if (lane.name !== null) {
        const toggle = h(
          'button',
          {
            type: 'button',
            class: 'lane-toggle',
            'aria-expanded': String(!collapsed),
            'data-lane': lane.id ?? '',
            onclick: () => {
              if (this.#collapsed.has(lane.id)) this.#collapsed.delete(lane.id);
              else this.#collapsed.add(lane.id);
              this.render(); // built anew: the focus goes to the new toggle
              this.#root.querySelector(`.lane-toggle[data-lane="${lane.id ?? ''}"]`)?.focus();
            },
          },
          h('span', { class: 'chevron', 'aria-hidden': 'true' }, collapsed ? '▸' : '▾'),
          lane.name,
          h('span', { class: 'count', 'data-count-lane': lane.id ?? '' }),
        );
        grid.append(h('div', { class: 'lane-head' }, toggle));
      }
      for (const status of board.statuses) {
        const cell = this.#cell(status, lane);
        cell.hidden = collapsed;
        grid.append(cell);
      }
    }
    this.#root.replaceChildren(grid);
    this.#tabs.build(board.statuses);
  }

  /**
   * @param {any} status
   * @param {{id: number | null, name: string | null}} lane
   */
  #cell(status, lane) {
    const list = h('ol', { class: 'cards' });
    const label = lane.name ? `${status.name} · ${lane.name}` : status.name;
    const cell = h(
      'section',
      {
        class: 'cell',
        'data-status': status.id,
        'data-swimlane': lane.id ?? '',
        'aria-label': label,
      },
      list,
    );
    if (this.#board.can('add_us')) cell.append(this.#adder(status, lane));
    if (this.#board.can('modify_us')) this.#acceptDrops(cell);
    this.#cells.set(cellKey(status.id, lane.id), { list, status, lane });
    return cell;
  }

  /**
   * Put the cards of `stories` in `list`, in order, moving only what is out of place.
   *
   * @param {HTMLElement} list
   * @param {any[]} stories
   */
  #fill(list, stories) {
    stories.forEach((story, index) => {
      const element = this.#card(story);
      const there = list.children[index] ?? null;
      if (there !== element) list.insertBefore(element, there);
    });
    while (list.children.length > stories.length) list.lastElementChild.remove();
  }

  /**
   * The card of a story, made or brought up to date.
   *
   * @param {any} story
   * @returns {HTMLElement}
   */
  #card(story) {
    const board = this.#board;
    const names = [story.assigned_to, ...(story.assigned_users ?? [])].map(
      (id) => board.members.get(id)?.full_name,
    );
    const moving = board.moving.has(story.id);
    const signature = JSON.stringify([story, names, moving, this.#layout]);
    let card = this.#cards.get(story.id);
    if (!card) {
      const element = h('li', { class: 'card', 'data-id': story.id });
      this.#makeDraggable(element, story.id);
      card = { element, signature: '' };
      this.#cards.set(story.id, card);
    }
    if (card.signature === signature) return card.element;
    card.signature = signature;
    const { element } = card;
    element.draggable = board.can('modify_us');
    element.setAttribute('aria-busy', String(moving));
    element.replaceChildren(
      ...cardContent(story, {
        board,
        rows: this.#rows,
        onEdit: this.#onEdit,
        onMove: (id, place) => board.move(id, place),
      }),
    );
    return element;
  }

  /**
   * Where the focus is, if on a card: the card's story and which of its controls.
   *
   * @returns {{id: number, control: string | null} | null}
   */
  #focusedCard() {
    const focused = document.activeElement;
    if (!(focused instanceof HTMLElement) || !this.#root.contains(focused)) return null;
    const card = /** @type {HTMLElement | null} */ (focused.closest('.card'));
    if (!card) return null;
    return { id: Number(card.dataset.id), control: focused.dataset.focus ?? null };
  }

  /**
   * Give the focus back to a card's control (or the card's first one) if a render took it
   * away; the card may have moved or been redrawn.
   *
   * @param {{id: number, control: string | null}} focus
   */
  #restoreFocus({ id, control }) {
    const element = this.#cards.get(id)?.element;
    if (!element?.isConnected || element.contains(document.activeElement)) return;
    const target =
      (control && element.querySelector(`[data-focus="${control}"]`)) ??
      element.querySelector('[data-focus]');
    target?.focus();
  }

  /**
   * @param {HTMLElement} element
   * @param {number} id
   */
  #makeDraggable(element, id) {
    element.addEventListener('dragstart', (event) => {
      if (this.#dragged !== null) {
        event.preventDefault(); // already carried by a finger
        return;
      }
      this.#lift(id);
      event.dataTransfer.setData('text/plain', String(id));
      event.dataTransfer.effectAllowed = 'move';
    });
    element.addEventListener('dragend', () => this.#endDrag());
  }

  /** @param {HTMLElement} cell */
  #acceptDrops(cell) {
    cell.addEventListener('dragover', (event) => {
      if (this.#dragged === null) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'move';
      this.#dragOver(event.clientX, event.clientY);
    });
    cell.addEventListener('dragleave', (event) => {
      if (!cell.contains(/** @type {Node} */ (event.relatedTarget))) {
        cell.classList.remove('drop-target');
      }
    });
    cell.addEventListener('drop', (event) => {
      if (this.#dragged === null) return;
      event.preventDefault();
      this.#dropAt(event.clientX, event.clientY);
    });
  }

  /**
   * A drag starts: of a story, if the user may move it.
   *
   * @param {number} id
   * @returns {boolean} Whether it may be dragged.
   */
  #lift(id) {
    if (!this.#board.can('modify_us') || !this.#board.stories.has(id)) return false;
    this.#dragged = id;
    this.#cards.get(id)?.element.classList.add('dragging');
    return true;
  }

  #endDrag() {
    const dragged = this.#dragged === null ? undefined : this.#cards.get(this.#dragged);
    dragged?.element.classList.remove('dragging');
    this.#dragged = null;
    this.#clearDropMarks();
  }

  /**
   * Where a drop at a point of the screen would put the dragged story: in a cell, before
   * the first card whose middle is below the point; on a column's tab (one column at a
   * time), last in that column, in the story's swimlane.
   *
   * @param {number} x
   * @param {number} y
   * @returns {{target: HTMLElement, before?: HTMLElement, place: import('./card.js').Place}
   *   | null}
   */
  #dropPlace(x, y) {
    const story = this.#board.stories.get(this.#dragged);
    const hit = document.elementFromPoint(x, y);
    const tab = /** @type {HTMLElement | null} */ (hit?.closest('.column-tab'));
    if (story && tab) {
      const place = { status: Number(tab.dataset.status), swimlane: story.swimlane ?? null };
      return { target: tab, place };
    }
    const cell = /** @type {HTMLElement | null} */ (hit?.closest('.cell'));
    if (!story || !cell || !this.#root.contains(cell)) return null;
    const list = cell.querySelector('.cards');
    const before = /** @type {HTMLElement | undefined} */ (
      [...list.children].find((card) => {
        if (Number(card.dataset.id) === story.id) return false;
        const box = card.getBoundingClientRect();
        return y < box.top + box.height / 2;
      })
    );
    const place = {
      status: Number(cell.dataset.status),
      swimlane: cell.dataset.swimlane === '' ? null : Number(cell.dataset.swimlane),
      before: before ? Number(before.dataset.id) : null,
    };
    return { target: cell, before, place };
  }

  /**
   * @param {number} x
   * @param {number} y
   */
  #dragOver(x, y) {
    this.#clearDropMarks();
    const drop = this.#dropPlace(x, y);
    if (!drop) return;
    drop.target.classList.add('drop-target');
    drop.before?.classList.add('drop-before');
  }

  /**
   * @param {number} x
   * @param {number} y
   */
  #dropAt(x, y) {
    const drop = this.#dropPlace(x, y);
    const id = this.#dragged;
    this.#endDrag();
    if (drop && id !== null) this.#board.move(id, drop.place);
  }

  #clearDropMarks() {
    for (const element of document.querySelectorAll('.drop-target, .drop-before')) {
      element.classList.remove('drop-target', 'drop-before');
    }
  }

  /**
   * The "add a story" button of a cell, which opens a small form in its place.
   *
   * @param {any} status
   * @param {{id: number | null, name: string | null}} lane
   */
  #adder(status, lane) {
    const where = lane.name ? `${status.name}, ${lane.name}` : status.name;
    const open = h(
      'button',
      { type: 'button', class: 'add-story', 'aria-label': `Add a story to ${where}` },
      '+ Add a story',
    );
    const subject = h('textarea', {
      name: 'subject',
      rows: 2,
      placeholder: 'Subject',
      'aria-label': `New story in ${where}`,
      required: true,
    });
    const error = h('p', { class: 'error', role: 'alert' });
    const form = h(
      'form',
      { class: 'composer', hidden: true },
      subject,
      error,
      h(
        'div',
        { class: 'composer-actions' },
        h('button', { type: 'submit', class: 'primary' }, 'Add'),
        h('button', { type: 'button', class: 'quiet', onclick: () => close() }, 'Cancel'),
      ),
    );
    const close = () => {
      form.hidden = true;
      open.hidden = false;
      error.textContent = '';
      subject.value = '';
      open.focus();
    };
    open.addEventListener('click', () => {
      open.hidden = true;
      form.hidden = false;
      subject.focus();
    });
    subject.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        close();
      }
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = subject.value.trim();
      if (!text) return;
      try {
        await this.#board.create({ subject: text, status: status.id, swimlane: lane.id });
        subject.value = '';
        error.textContent = '';
      } catch (failure) {
        error.textContent = failure.message;
      }
    });
    return h('div', { class: 'adder' }, open, form);
  }

  /** @param {HTMLElement | undefined} element */
  #flash(element) {
    if (!element?.isConnected) return; // not shown (filtered out)
    element.classList.remove('flash');
    void element.offsetWidth; // restart the animation
    element.classList.add('flash');
  }
}

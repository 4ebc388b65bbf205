/**
 * The board on screen: a column per status, a row per swimlane, a card per story.
 *
 * Rendering is keyed: cards and cells are kept and moved rather than rebuilt, so that a
 * change elsewhere does not disturb what the user is doing. Cards move by drag and drop
 * or by their buttons (keyboard and assistive technology); stories are added in a cell.
 *
 * @module board-view
 */

import { cellKey } from './board.js';
import { h, initials } from './dom.js';

export class BoardView {
  #root;
  #board;
  #onEdit;
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
   * @param {HTMLElement} root
   * @param {import('./board.js').Board} board
   * @param {object} options
   * @param {(id: number) => void} options.onEdit Open a story's editor.
   */
  constructor(root, board, { onEdit }) {
    this.#root = root;
    this.#board = board;
    this.#onEdit = onEdit;
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
      return;
    }
    const lanes = this.#lanes();
    this.#rows = lanes;
    const layout = JSON.stringify([
      board.project.id,
      board.statuses.map((s) => [s.id, s.name, s.color, s.wip_limit]),
      lanes.map((lane) => [lane.id, lane.name]),
      [...board.permissions],
    ]);
    if (layout !== this.#layout) {
      this.#layout = layout;
      this.#build(lanes);
    }
    const cells = board.cells();
    const laneCounts = new Map();
    const statusCounts = new Map();
    for (const [key, cell] of this.#cells) {
      const stories = cells.get(key) ?? [];
      this.#fill(cell.list, stories);
      laneCounts.set(cell.lane.id, (laneCounts.get(cell.lane.id) ?? 0) + stories.length);
      statusCounts.set(cell.status.id, (statusCounts.get(cell.status.id) ?? 0) + stories.length);
    }
    for (const element of this.#root.querySelectorAll('[data-count-status]')) {
      const status = board.statuses.find((s) => s.id === Number(element.dataset.countStatus));
      const count = statusCounts.get(status.id) ?? 0;
      element.textContent = status.wip_limit ? `${count} / ${status.wip_limit}` : String(count);
      element.classList.toggle('over', Boolean(status.wip_limit) && count > status.wip_limit);
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
    for (const id of remote) this.#flash(this.#cards.get(id)?.element);
  }

  /**
   * Point out a story (a link to it was followed), if it is on the board.
   *
   * @param {{id?: number, ref?: number}} which
   */
  highlight({ id, ref }) {
    const story = [...this.#board.stories.values()].find((s) => s.id === id || s.ref === ref);
    const element = story && this.#cards.get(story.id)?.element;
    if (!element) return;
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
          { class: 'column-head', style: `--status-color: ${status.color || '#a9aabc'}` },
          h('span', { class: 'column-name' }, status.name),
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
            onclick: () => {
              if (this.#collapsed.has(lane.id)) this.#collapsed.delete(lane.id);
              else this.#collapsed.add(lane.id);
              this.#layout = '';
              this.render();
            },
          },
          h('span', { class: 'chevron', 'aria-hidden': 'true' }, collapsed ? '▸' : '▾'),
          lane.name,
        );
        grid.append(
          h(
            'div',
            { class: 'lane-head' },
            toggle,
            h('span', { class: 'count', 'data-count-lane': lane.id ?? '' }),
          ),
        );
      }
      for (const status of board.statuses) {
        const cell = this.#cell(status, lane);
        cell.hidden = collapsed;
        grid.append(cell);
      }
    }
    this.#root.replaceChildren(grid);
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
    if (this.#board.can('modify_us')) this.#acceptDrops(cell, list, status, lane);
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
    const member = board.members.get(story.assigned_to);
    const moving = board.moving.has(story.id);
    const signature = JSON.stringify([story, member?.full_name, moving, this.#layout]);
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
    const assignee = story.assigned_to
      ? (member?.full_name || member?.username || `user ${story.assigned_to}`)
      : null;
    const parts = [
      h(
        'div',
        { class: 'card-top' },
        h('span', { class: 'ref' }, `#${story.ref}`),
        assignee
          ? h('span', { class: 'avatar', title: `Assigned to ${assignee}` }, initials(assignee))
          : null,
      ),
      board.can('modify_us')
        ? h(
            'button',
            {
              type: 'button',
              class: 'subject',
              title: 'Edit',
              onclick: () => this.#onEdit(story.id),
            },
            story.subject,
          )
        : h('p', { class: 'subject' }, story.subject),
      assignee && h('p', { class: 'assignee' }, assignee),
      board.can('modify_us') && this.#moveButtons(story),
    ];
    element.replaceChildren(...parts.filter(Boolean));
    return element;
  }

  /** @param {any} story */
  #moveButtons(story) {
    const board = this.#board;
    const statuses = board.statuses;
    const lanes = board.swimlanes.length ? this.#rows : [];
    const column = statuses.findIndex((s) => s.id === story.status);
    const row = lanes.findIndex((lane) => lane.id === (story.swimlane ?? null));
    const button = (symbol, label, place) =>
      h(
        'button',
        {
          type: 'button',
          class: 'move',
          'aria-label': `Move “${story.subject}” ${label}`,
          title: `Move ${label}`,
          onclick: () => this.#board.move(story.id, place),
        },
        symbol,
      );
    const toStatus = (target) => ({ status: target.id, swimlane: story.swimlane ?? null });
    const toLane = (target) => ({ status: story.status, swimlane: target.id });
    const left = column > 0 && statuses[column - 1];
    const right = column >= 0 && statuses[column + 1];
    const up = row > 0 && lanes[row - 1];
    const down = row >= 0 && lanes[row + 1];
    return h(
      'div',
      { class: 'card-actions' },
      left && button('←', `to ${left.name}`, toStatus(left)),
      right && button('→', `to ${right.name}`, toStatus(right)),
      up && button('↑', `to ${up.name}`, toLane(up)),
      down && button('↓', `to ${down.name}`, toLane(down)),
    );
  }

  /**
   * @param {HTMLElement} element
   * @param {number} id
   */
  #makeDraggable(element, id) {
    element.addEventListener('dragstart', (event) => {
      this.#dragged = id;
      event.dataTransfer.setData('text/plain', String(id));
      event.dataTransfer.effectAllowed = 'move';
      element.classList.add('dragging');
    });
    element.addEventListener('dragend', () => {
      this.#dragged = null;
      element.classList.remove('dragging');
      this.#clearDropMarks();
    });
  }

  /**
   * @param {HTMLElement} cell
   * @param {HTMLElement} list
   * @param {any} status
   * @param {{id: number | null}} lane
   */
  #acceptDrops(cell, list, status, lane) {
    const before = (event) => {
      const cards = [...list.children].filter((card) => Number(card.dataset.id) !== this.#dragged);
      return cards.find((card) => {
        const box = card.getBoundingClientRect();
        return event.clientY < box.top + box.height / 2;
      });
    };
    cell.addEventListener('dragover', (event) => {
      if (this.#dragged === null) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'move';
      this.#clearDropMarks();
      cell.classList.add('drop-target');
      const next = before(event);
      if (next) next.classList.add('drop-before');
    });
    cell.addEventListener('dragleave', (event) => {
      if (!cell.contains(/** @type {Node} */ (event.relatedTarget))) {
        cell.classList.remove('drop-target');
      }
    });
    cell.addEventListener('drop', (event) => {
      if (this.#dragged === null) return;
      event.preventDefault();
      const next = before(event);
      const id = this.#dragged;
      this.#clearDropMarks();
      this.#board.move(id, {
        status: status.id,
        swimlane: lane.id,
        before: next ? Number(next.dataset.id) : null,
      });
    });
  }

  #clearDropMarks() {
    for (const element of this.#root.querySelectorAll('.drop-target, .drop-before')) {
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
    };
    open.addEventListener('click', () => {
      open.hidden = true;
      form.hidden = false;
      subject.focus();
    });
    subject.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') close();
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
    if (!element) return;
    element.classList.remove('flash');
    void element.offsetWidth; // restart the animation
    element.classList.add('flash');
  }
}

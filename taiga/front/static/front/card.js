/**
 * A story's card: its ref, subject (a button opening the editor for those who may change
 * it), how many of its tasks are closed, who it is assigned to, and buttons that move it
 * to the next column or swimlane (for keyboard and touch; the style sheet shows them on
 * hover, focus and touch screens). Where a card may move is also what the keyboard's
 * shortcuts use.
 *
 * @module card
 */

import { assignees } from './board-filter.js';
import { h, initials } from './dom.js';

/**
 * @typedef {{status: number, swimlane: number | null, before?: number | null}} Place
 * @typedef {{name: string, place: Place}} Target A place and what to call it.
 * @typedef {{id: number | null, name: string | null}} Row A swimlane as shown.
 */

/**
 * The neighbouring columns and swimlanes a story may move to.
 *
 * @param {any} story
 * @param {import('./board.js').Board} board
 * @param {Row[]} rows The swimlanes as shown (none without swimlanes).
 * @returns {{left?: Target, right?: Target, up?: Target, down?: Target}}
 */
export function moveTargets(story, board, rows) {
  const statuses = board.statuses;
  const lanes = board.swimlanes.length ? rows : [];
  const column = statuses.findIndex((s) => s.id === story.status);
  const row = lanes.findIndex((lane) => lane.id === (story.swimlane ?? null));
  const toStatus = (target) =>
    target && { name: target.name, place: { status: target.id, swimlane: story.swimlane ?? null } };
  const toLane = (target) =>
    target && { name: target.name, place: { status: story.status, swimlane: target.id } };
  return {
    left: column > 0 ? toStatus(statuses[column - 1]) : undefined,
    right: column >= 0 ? toStatus(statuses[column + 1]) : undefined,
    up: row > 0 ? toLane(lanes[row - 1]) : undefined,
    down: row >= 0 ? toLane(lanes[row + 1]) : undefined,
  };
}

/**
 * The name shown for a user: their membership's full name or username.
 *
 * @param {Map<number, any>} members
 * @param {number} id
 * @returns {string}
 */
export function personName(members, id) {
  const member = members.get(id);
  return member?.full_name || member?.username || `user ${id}`;
}

/**
 * The contents of a story's card.
 *
 * @param {any} story
 * @param {object} context
 * @param {import('./board.js').Board} context.board
 * @param {Row[]} context.rows
 * @param {(id: number) => void} context.onEdit
 * @param {(id: number, place: Place) => void} context.onMove
 * @returns {HTMLElement[]}
 */
export function cardContent(story, { board, rows, onEdit, onMove }) {
  const editable = board.can('modify_us');
  const people = assignees(story).map((id) => personName(board.members, id));
  const subject = editable
    ? h(
        'button',
        {
          type: 'button',
          class: 'subject',
          title: 'Edit (Enter)',
          'data-focus': 'subject',
          onclick: () => onEdit(story.id),
        },
        story.subject,
      )
    : h('p', { class: 'subject' }, story.subject);
  const parts = [
    h(
      'div',
      { class: 'card-top' },
      h('span', { class: 'ref' }, `#${story.ref}`),
      taskCounts(story),
    ),
    subject,
    people.length > 0 &&
      h(
        'div',
        { class: 'card-people' },
        people.map((name) =>
          h('span', { class: 'avatar', title: `Assigned to ${name}` }, initials(name)),
        ),
        h('span', { class: 'assignee' }, people.join(', ')),
      ),
    editable && moveButtons(story, moveTargets(story, board, rows), onMove),
  ];
  return parts.filter(Boolean);
}

/** @param {any} story */
function taskCounts(story) {
  const counts = story.task_counts;
  if (!counts?.total) return null;
  const { closed, total } = counts;
  return h(
    'span',
    {
      class: closed === total ? 'tasks done' : 'tasks',
      style: `--done: ${Math.round((closed / total) * 100)}%`,
      title: `${closed} of ${total} tasks closed`,
      'aria-label': `${closed} of ${total} tasks closed`,
    },
    `${closed}/${total}`,
  );
}

/**
 * @param {any} story
 * @param {ReturnType<typeof moveTargets>} targets
 * @param {(id: number, place: Place) => void} onMove
 */
function moveButtons(story, targets, onMove) {
  const symbols = { left: '←', right: '→', up: '↑', down: '↓' };
  const buttons = Object.entries(symbols).map(([direction, symbol]) => {
    const target = targets[direction];
    return (
      target &&
      h(
        'button',
        {
          type: 'button',
          class: 'move',
          'data-focus': `move-${direction}`,
          'aria-label': `Move “${story.subject}” to ${target.name}`,
          title: `Move to ${target.name}`,
          onclick: () => onMove(story.id, target.place),
        },
        symbol,
      )
    );
  });
  return h('div', { class: 'card-actions' }, buttons);
}

/**
 * The editor of one user story: subject, description, assignee, status, swimlane; and
 * deleting it. A change is sent with the version the form was filled from, so that one
 * made meanwhile by someone else is not overwritten unseen (409): the form then shows it.
 *
 * @module story-dialog
 */

import { ApiError } from './api.js';
import { setOptions } from './dom.js';

export class StoryDialog {
  #dialog;
  #form;
  #board;
  /** @type {number | null} */
  #id = null;
  /** @type {any} The story as the form was filled from it. */
  #story = null;

  /**
   * @param {HTMLDialogElement} dialog
   * @param {import('./board.js').Board} board
   */
  constructor(dialog, board) {
    this.#dialog = dialog;
    this.#form = dialog.querySelector('form');
    this.#board = board;
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#save();
    });
    this.#button('cancel').addEventListener('click', () => dialog.close());
    this.#button('delete').addEventListener('click', () => this.#delete());
    dialog.addEventListener('close', () => {
      this.#id = null;
    });
  }

  /** @param {number} id */
  open(id) {
    const story = this.#board.stories.get(id);
    if (!story) return;
    this.#id = id;
    this.#fill(story);
    this.#notice('');
    this.#error('');
    this.#button('delete').hidden = !this.#board.can('delete_us');
    this.#disarmDelete();
    this.#dialog.showModal();
    this.#form.elements.namedItem('subject').focus();
  }

  /**
   * Tell the user when the story they edit is changed or deleted by someone else.
   *
   * @param {number[]} remote Ids of stories others changed.
   */
  changedElsewhere(remote) {
    if (this.#id === null || !remote.includes(this.#id)) return;
    const deleted = !this.#board.stories.has(this.#id);
    this.#notice(
      deleted
        ? 'Someone else deleted this story.'
        : 'Someone else just changed this story: saving will show you their version first.',
    );
    this.#button('save').disabled = deleted;
  }

  /** @param {any} story */
  #fill(story) {
    const board = this.#board;
    this.#story = story;
    const fields = this.#form.elements;
    this.#dialog.querySelector('h2').textContent = `User story #${story.ref}`;
    fields.namedItem('subject').value = story.subject;
    fields.namedItem('description').value = story.description ?? '';
    const people = [...board.members.values()].map((m) => ({
      value: m.user,
      label: m.full_name || m.username,
    }));
    if (story.assigned_to && !board.members.has(story.assigned_to)) {
      people.push({ value: story.assigned_to, label: `user ${story.assigned_to}` });
    }
    const nobody = { value: '', label: 'Nobody' };
    setOptions(fields.namedItem('assigned_to'), [nobody, ...people], story.assigned_to);
    setOptions(
      fields.namedItem('status'),
      board.statuses.map((s) => ({ value: s.id, label: s.name })),
      story.status,
    );
    const lanes = board.swimlanes.map((lane) => ({ value: lane.id, label: lane.name }));
    const unclassified = { value: '', label: 'Unclassified' };
    setOptions(fields.namedItem('swimlane'), [unclassified, ...lanes], story.swimlane);
    this.#dialog.querySelector('[data-field="swimlane"]').hidden = lanes.length === 0;
    this.#button('save').disabled = false;
  }

  async #save() {
    const story = this.#story;
    const fields = this.#form.elements;
    const id = (name) => Number(fields.namedItem(name).value) || null;
    const before = {
      subject: story.subject,
      description: story.description ?? '',
      assigned_to: story.assigned_to ?? null,
      status: story.status,
      swimlane: story.swimlane ?? null,
    };
    const after = {
      subject: fields.namedItem('subject').value.trim(),
      description: fields.namedItem('description').value,
      assigned_to: id('assigned_to'),
      status: id('status'),
      swimlane: this.#board.swimlanes.length ? id('swimlane') : before.swimlane,
    };
    const changes = Object.fromEntries(
      Object.entries(after).filter(([name, value]) => value !== before[name]),
    );
    if ('assigned_to' in changes) {
      // The one assignee the form shows takes the previous one's place among the story's
      // assigned users (which the cards show), beside any others.
      const others = (story.assigned_users ?? []).filter((id) => id !== before.assigned_to);
      changes.assigned_users = [...new Set([...others, after.assigned_to].filter(Boolean))];
    }
    if (Object.keys(changes).length === 0) {
      this.#dialog.close();
      return;
    }
    try {
      await this.#board.update(story.id, changes, story.version);
      this.#dialog.close();
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        await this.#board.refetch([story.id]);
        const current = this.#board.stories.get(story.id);
        if (current) this.#fill(current);
        this.#notice('Someone else changed this story meanwhile: here is their version.');
      } else {
        this.#error(error.message);
      }
    }
  }

  async #delete() {
    const button = this.#button('delete');
    if (!button.dataset.armed) {
      button.dataset.armed = 'true';
      button.textContent = 'Really delete?';
      return;
    }
    try {
      await this.#board.remove(this.#story.id);
      this.#dialog.close();
    } catch (error) {
      this.#error(error.message);
      this.#disarmDelete();
    }
  }

  #disarmDelete() {
    const button = this.#button('delete');
    delete button.dataset.armed;
    button.textContent = 'Delete';
  }

  /** @param {string} action */
  #button(action) {
    const button = this.#dialog.querySelector(`[data-action="${action}"]`);
    return /** @type {HTMLButtonElement} */ (button);
  }

  /** @param {string} text */
  #notice(text) {
    const element = this.#dialog.querySelector('.changed-elsewhere');
    element.textContent = text;
    element.hidden = !text;
  }

  /** @param {string} text */
  #error(text) {
    this.#dialog.querySelector('.error').textContent = text;
  }
}

/**
 * One project's kanban board, kept in step with the backend: its user story statuses
 * (columns), swimlanes (rows), user stories (cards) and members, and the changes made on it.
 *
 * Change events (`changes.project.{id}.…`) are applied by fetching what they name, as the
 * seed's guide says: one story per id, also for a bulk event's `pk` list; the list of
 * stories when tasks change (cards count their tasks) or a bulk event names many; the
 * whole board when statuses or swimlanes change. Answers that arrive late are dropped: a
 * story fetched before a newer fetch, a change of the page's own or a reload of the board
 * is not shown.
 * The page's own changes are applied from the API's answers (moves at once, then from the
 * answer); their events are not delivered to the page. Moves are sent one after another,
 * in the order they were made, however quickly they follow each other.
 *
 * @module board
 */

import { ApiError } from './api.js';

const STORY = 'userstories.userstory';
// Changes of these change the stories' task counts.
const TASK = 'tasks.task';
// Changes of these reshape the board: it is loaded again.
const RESHAPING = new Set([
  'projects.userstorystatus',
  'projects.swimlane',
  'projects.swimlaneuserstorystatus',
]);
// A bulk event naming more stories than this fetches the list instead of one by one.
const MOST_FETCHED_ONE_BY_ONE = 25;

/**
 * The key of a board cell: a status and a swimlane (null: no swimlane).
 *
 * @param {number} status
 * @param {number | null} swimlane
 * @returns {string}
 */
export function cellKey(status, swimlane) {
  return `${status}:${swimlane ?? ''}`;
}

export class Board {
  /** @type {any} The project (`GET /projects/{id}`), null before the first load. */
  project = null;
  /** @type {Set<string>} The user's permissions in it (`my_permissions`). */
  permissions = new Set();
  /** @type {any[]} In board order. */
  statuses = [];
  /** @type {any[]} In board order. */
  swimlanes = [];
  /** @type {Map<number, any>} Membership by user id. */
  members = new Map();
  /** @type {Map<number, any>} User story by id. */
  stories = new Map();
  /** @type {Map<number, number>} Stories being moved: how many moves of each are not
   * answered yet. */
  moving = new Map();

  #api;
  #onChange;
  #onError;
  // Bumped by every load: fetches started before it are dropped.
  #epoch = 0;
  // Story id -> bumped by every fetch or change of it: only the latest one is applied.
  #tickets = new Map();
  /** @type {Promise<void> | null} */
  #loading = null;
  /** @type {any[]} Events that arrived during a load, applied after it. */
  #deferred = [];
  /** @type {Promise<void>} The last move sent: the next one waits for its answer. */
  #sending = Promise.resolve();

  /**
   * @param {object} options
   * @param {import('./api.js').Api} options.api
   * @param {(remote: number[]) => void} options.onChange Called after every change of the
   *   state, with the ids of the stories changed by others (to point them out).
   * @param {(error: Error) => void} options.onError A load or fetch failed.
   */
  constructor({ api, onChange, onError }) {
    this.#api = api;
    this.#onChange = onChange;
    this.#onError = onError;
  }

  /** @param {string} permission e.g. `modify_us`. */
  can(permission) {
    return this.permissions.has(permission);
  }

  /**
   * Load everything about a project (and show it once loaded). Events that arrive in the
   * meantime are applied afterwards.
   *
   * @param {number} projectId
   * @returns {Promise<boolean>} Whether it is shown: false if it failed (failures go to
   *   `onError`) or another load was started meanwhile.
   */
  load(projectId) {
    const epoch = ++this.#epoch;
    const loading = this.#fetchProject(projectId, epoch);
    this.#loading = loading;
    return loading.then(
      () => epoch === this.#epoch,
      (error) => {
        if (epoch === this.#epoch) this.#onError(error);
        return false;
      },
    ).finally(() => {
      if (this.#loading !== loading) return; // a newer load applies the deferred events
      this.#loading = null;
      const deferred = this.#deferred.splice(0);
      if (deferred.length) this.applyEvents(deferred);
    });
  }

  /** Load the shown project again (catch-up after missed events). */
  refresh() {
    return this.project ? this.load(this.project.id) : Promise.resolve(false);
  }

  /** Forget the project (e.g. before showing another one). */
  clear() {
    this.#epoch += 1;
    this.project = null;
    this.permissions = new Set();
    this.statuses = [];
    this.swimlanes = [];
    this.members = new Map();
    this.stories = new Map();
    this.#deferred = [];
    this.#onChange([]);
  }

  /**
   * @param {number} projectId
   * @param {number} epoch
   */
  async #fetchProject(projectId, epoch) {
    const query = `?project=${projectId}`;
    const [project, statuses, swimlanes, stories, memberships] = await Promise.all([
      this.#api.get(`/projects/${projectId}`),
      this.#api.get(`/userstory-statuses${query}`),
      this.#api.get(`/swimlanes${query}`),
      this.#api.get(`/userstories${query}`),
      this.#api.get(`/memberships${query}`),
    ]);
    if (epoch !== this.#epoch) return;
    const byOrder = (a, b) => a.order - b.order || a.id - b.id;
    this.project = project;
    this.permissions = new Set(project.my_permissions);
    this.statuses = statuses.sort(byOrder);
    this.swimlanes = swimlanes.sort(byOrder);
    this.members = new Map(memberships.map((membership) => [membership.user, membership]));
    this.stories = new Map(stories.map((story) => [story.id, story]));
    this.#onChange([]);
  }

  /**
   * Apply change events of the shown project (others are ignored).
   *
   * @param {{routingKey: string, data: any}[]} events
   */
  applyEvents(events) {
    if (!this.project) return;
    if (this.#loading) {
      this.#deferred.push(...events);
      return;
    }
    const prefix = `changes.project.${this.project.id}.`;
    const fetched = new Set();
    const deleted = [];
    let reshaped = false;
    let tasks = false;
    for (const { routingKey, data } of events) {
      if (!routingKey.startsWith(prefix)) continue;
      if (RESHAPING.has(data.matches)) reshaped = true;
      if (data.matches === TASK) tasks = true;
      if (data.matches !== STORY) continue;
      for (const id of [data.pk].flat()) {
        if (data.type === 'delete') {
          fetched.delete(id);
          deleted.push(id);
        } else {
          fetched.add(id);
        }
      }
    }
    if (reshaped) {
      this.refresh();
      return;
    }
    const gone = deleted.filter((id) => this.stories.has(id));
    for (const id of deleted) this.#forget(id);
    if (gone.length) this.#onChange(gone);
    if (tasks || fetched.size > MOST_FETCHED_ONE_BY_ONE) this.#refetchAll();
    else if (fetched.size) this.refetch([...fetched], { remote: true });
  }

  /**
   * Fetch the list of stories again and show what changed in it, as changed by others.
   * Stories changed meanwhile (a newer fetch, the page's own change) keep that version.
   */
  async #refetchAll() {
    const epoch = this.#epoch;
    const tickets = new Map([...this.stories.keys()].map((id) => [id, this.#ticket(id)]));
    let stories;
    try {
      stories = await this.#api.get(`/userstories?project=${this.project.id}`);
    } catch (error) {
      if (epoch === this.#epoch) this.#onError(error);
      return;
    }
    if (epoch !== this.#epoch) return;
    const changed = [];
    const listed = new Set();
    for (const story of stories) {
      listed.add(story.id);
      if (this.#tickets.get(story.id) !== tickets.get(story.id)) continue;
      if (JSON.stringify(this.stories.get(story.id)) === JSON.stringify(story)) continue;
      this.stories.set(story.id, story);
      changed.push(story.id);
    }
    for (const [id, ticket] of tickets) {
      if (listed.has(id) || this.#tickets.get(id) !== ticket) continue;
      if (this.stories.delete(id)) changed.push(id);
    }
    if (changed.length) this.#onChange(changed);
  }

  /**
   * Fetch stories again and show them as they are now (gone if deleted or hidden).
   *
   * @param {number[]} ids
   * @param {{remote?: boolean}} [options] `remote`: changed by others (to point them out).
   * @returns {Promise<void>}
   */
  async refetch(ids, { remote = false } = {}) {
    const epoch = this.#epoch;
    const tickets = ids.map((id) => this.#ticket(id));
    const answers = await Promise.all(
      ids.map((id) => this.#api.get(`/userstories/${id}`).catch((error) => error)),
    );
    if (epoch !== this.#epoch) return;
    const changed = [];
    answers.forEach((answer, index) => {
      const id = ids[index];
      if (this.#tickets.get(id) !== tickets[index]) return; // something newer was applied
      if (answer instanceof ApiError && answer.status === 404) {
        if (this.stories.delete(id)) changed.push(id);
      } else if (answer instanceof Error) {
        this.#onError(answer);
      } else if (answer.project === this.project.id) {
        this.stories.set(id, answer);
        changed.push(id);
      }
    });
    if (changed.length) this.#onChange(remote ? changed : []);
  }

  /**
   * The stories of each cell, in board order, by {@link cellKey}. Without swimlanes every
   * story is in the row of no swimlane.
   *
   * @returns {Map<string, any[]>}
   */
  cells() {
    const lanes = this.swimlanes.length > 0;
    const cells = new Map();
    const stories = [...this.stories.values()].sort(
      (a, b) => a.kanban_order - b.kanban_order || a.id - b.id,
    );
    for (const story of stories) {
      const key = cellKey(story.status, lanes ? story.swimlane : null);
      if (cells.has(key)) cells.get(key).push(story);
      else cells.set(key, [story]);
    }
    return cells;
  }

  // The user's changes. Create, update and remove throw the ApiError of a refused request;
  // a refused move is reported (`onError`) and the board loaded again.

  /**
   * @param {{subject: string, status: number, swimlane: number | null}} fields
   * @returns {Promise<any>} The new story.
   */
  async create({ subject, status, swimlane }) {
    const story = await this.#api.post('/userstories', {
      project: this.project.id,
      subject,
      status,
      swimlane,
    });
    this.#store(story);
    this.#onChange([]);
    return story;
  }

  /**
   * Change a story (`PATCH`); refused with a 409 if it changed since `version`.
   *
   * @param {number} id
   * @param {object} changes
   * @param {number} version The version the changes were made on.
   * @returns {Promise<any>} The story as changed.
   */
  async update(id, changes, version) {
    const story = await this.#api.patch(`/userstories/${id}`, { ...changes, version });
    this.#store(story);
    this.#onChange([]);
    return story;
  }

  /**
   * Delete a story (one deleted by someone else already is just forgotten).
   *
   * @param {number} id
   */
  async remove(id) {
    try {
      await this.#api.delete(`/userstories/${id}`);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    this.#forget(id);
    this.#onChange([]);
  }

  /**
   * Move a story to a cell, before another story of it or last: shown at once, then sent
   * (`bulk_update_kanban_order`).
   *
   * @param {number} id
   * @param {{status: number, swimlane: number | null, before?: number | null}} place
   */
  async move(id, { status, swimlane, before = null }) {
    const story = this.stories.get(id);
    if (!story) return;
    const cell = this.cells().get(cellKey(status, swimlane)) ?? [];
    const others = cell.filter((s) => s.id !== id);
    const found = others.findIndex((s) => s.id === before);
    const index = found === -1 ? others.length : found;
    if (cell.indexOf(story) === index) return; // already there
    const previous = others[index - 1];
    const next = others[index];
    this.#store({
      ...story,
      status,
      swimlane,
      kanban_order: between(previous?.kanban_order, next?.kanban_order),
    });
    this.moving.set(id, (this.moving.get(id) ?? 0) + 1);
    this.#onChange([]);
    const sent = this.#sending.then(() =>
      this.#sendMove(id, { status, swimlane, after: previous }),
    );
    this.#sending = sent.catch(() => {});
    try {
      await sent;
    } finally {
      const left = this.moving.get(id) - 1;
      if (left > 0) this.moving.set(id, left);
      else this.moving.delete(id);
      this.#onChange([]);
    }
  }

  /**
   * @param {number} id
   * @param {{status: number, swimlane: number | null, after: any}} place
   */
  async #sendMove(id, { status, swimlane, after }) {
    const body = {
      project_id: this.project.id,
      status_id: status,
      swimlane_id: swimlane,
      bulk_userstories: [id],
    };
    if (after) body.after_userstory_id = after.id;
    // A later move of the same story, made meanwhile, is what to show of it.
    let superseded = false;
    try {
      const orders = await this.#api.post('/userstories/bulk_update_kanban_order', body);
      superseded = this.moving.get(id) > 1;
      for (const order of orders) {
        const current = this.stories.get(order.id);
        if (current && !(superseded && order.id === id)) this.#store({ ...current, ...order });
      }
    } catch (error) {
      this.#onError(error);
      await this.refresh();
      return;
    }
    // A move counts a new version: fetch it, so that the next edit is not taken as stale.
    if (!superseded) await this.refetch([id]);
  }

  /** @param {any} story */
  #store(story) {
    this.#ticket(story.id);
    this.stories.set(story.id, story);
  }

  /** @param {number} id */
  #forget(id) {
    this.#ticket(id);
    this.stories.delete(id);
  }

  /** @param {number} id */
  #ticket(id) {
    const ticket = (this.#tickets.get(id) ?? 0) + 1;
    this.#tickets.set(id, ticket);
    return ticket;
  }
}

/**
 * An order between two others (either may be missing).
 *
 * @param {number | undefined} previous
 * @param {number | undefined} next
 * @returns {number}
 */
function between(previous, next) {
  if (previous === undefined) return next === undefined ? 0 : next - 1;
  return next === undefined ? previous + 1 : (previous + next) / 2;
}

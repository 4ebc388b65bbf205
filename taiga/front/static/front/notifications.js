/**
 * The signed-in user's notifications. Web notifications (`GET /web-notifications`, fetched
 * again on each `web_notifications.{me}` event) are listed in a panel, newest first, the
 * unread ones counted on a badge; opening one marks it read. Each one that arrives is also
 * a toast that says who did what. Live notifications (`live_notifications.{me}`) and
 * system messages (`notifications`) are toasts too, and desktop notifications once allowed.
 *
 * A change that concerns the user often brings both: a live notification ("User story #5
 * updated") at once, and a web notification ("Alice assigned you to user story #5") when
 * it is committed. They share one toast (and one desktop notification), which the web
 * notification's words replace, since they name who acted.
 *
 * @module notifications
 */

import { h } from './dom.js';
import { Popover } from './popover.js';

const KINDS = {
  'userstories.userstory': 'user story',
  'tasks.task': 'task',
  'issues.issue': 'issue',
  'epics.epic': 'epic',
};
// The front's paths of items, as live notifications link to them.
const PATHS = {
  'userstories.userstory': 'us',
  'tasks.task': 'task',
  'issues.issue': 'issue',
  'epics.epic': 'epic',
};
const LISTED = 50; // the newest notifications shown in the panel
const MOST_COUNTED = 99; // a badge over it says "99+"
const SHARED_MS = 10000; // how long a web notification's toast stands for its item

/**
 * What a web notification says (the seed's section 3 data, whose `user` is who acted):
 * who did what (`title`), and to which item (`subject`, may be empty).
 *
 * @param {{type: string, user: any, project: any, object: any}} data
 * @returns {{title: string, subject: string}}
 */
function phrase({ type, user, project, object }) {
  const who = user?.full_name || user?.username || 'Someone';
  const projectName = project?.name ?? 'a project';
  const what = object ? `${KINDS[object.content_type] ?? 'item'} #${object.ref}` : projectName;
  const actions = {
    assigned: `assigned you to ${what}`,
    mentioned: `mentioned you in ${what}`,
    added_as_watcher: `made you a watcher of ${what}`,
    added_as_member: `added you to ${projectName}`,
    mentioned_in_comment: `mentioned you in a comment on ${what}`,
    comment: `commented on ${what}`,
  };
  return {
    title: `${who} ${actions[type] ?? `${type} ${what}`}`,
    subject: object?.subject ? `“${object.subject}”` : '',
  };
}

/**
 * A web notification in one sentence.
 *
 * @param {{type: string, user: any, project: any, object: any}} data
 * @returns {string}
 */
export function describe(data) {
  const { title, subject } = phrase(data);
  return subject ? `${title} ${subject}` : title;
}

/**
 * The board's address of what a web notification is about (the path a live notification
 * about the same item links to).
 *
 * @param {{project: any, object: any}} data
 * @returns {string}
 */
function pathOf({ project, object }) {
  const segment = object && PATHS[object.content_type];
  const base = `/project/${project?.slug ?? ''}`;
  return segment ? `${base}/${segment}/${object.ref}` : base;
}

/**
 * @param {string} iso
 * @returns {string}
 */
function timeAgo(iso) {
  const seconds = (Date.now() - Date.parse(iso)) / 1000;
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

export class Notifications {
  #api;
  #toasts;
  #onOpen;
  #onLink;
  #report;
  #button;
  #badge;
  #popover;
  #list;
  #more;
  #desktop;
  /** @type {any[]} The newest, newest first. */
  #items = [];
  #total = 0;
  #unread = 0;
  /** @type {Map<string, number>} Item path -> when a web notification's toast named it. */
  #toasted = new Map();
  // Bumped by every load and reset: only the latest answer is shown.
  #generation = 0;

  /**
   * @param {object} options
   * @param {import('./api.js').Api} options.api
   * @param {import('./toasts.js').Toasts} options.toasts
   * @param {(data: any) => void} options.onOpen Show the story a web notification is about.
   * @param {(url: string) => void} options.onLink Follow a notification's link.
   * @param {(error: Error) => void} options.report Show a failed action.
   */
  constructor({ api, toasts, onOpen, onLink, report }) {
    this.#api = api;
    this.#toasts = toasts;
    this.#onOpen = onOpen;
    this.#onLink = onLink;
    this.#report = report;
    this.#button = document.getElementById('bell');
    this.#badge = document.getElementById('badge');
    this.#list = document.getElementById('notification-list');
    this.#more = document.getElementById('notification-more');
    this.#desktop = document.getElementById('enable-desktop');
    this.#popover = new Popover(this.#button, document.getElementById('notifications'));
    document.getElementById('mark-all-read').addEventListener('click', () => this.markAllRead());
    this.#desktop.addEventListener('click', async () => {
      await Notification.requestPermission();
      this.#showDesktopButton();
    });
  }

  /** Fetch and show the user's notifications (after signing in, and to catch up). */
  async load() {
    const generation = ++this.#generation;
    this.#button.hidden = false;
    this.#showDesktopButton();
    try {
      const [newest, unread] = await Promise.all([
        this.#api.page(`/web-notifications?page_size=${LISTED}`),
        this.#api.page('/web-notifications?only_unread=true&page_size=1'),
      ]);
      if (generation !== this.#generation) return;
      this.#items = newest.items;
      this.#total = newest.total;
      this.#unread = unread.total;
      this.#render();
    } catch (error) {
      if (generation === this.#generation) this.#report(error);
    }
  }

  /** Signed out: nothing to show. */
  reset() {
    this.#generation += 1;
    this.#items = [];
    this.#total = 0;
    this.#unread = 0;
    this.#popover.toggle(false);
    this.#button.hidden = true;
    this.#render();
  }

  /**
   * `web_notifications.{me}` events: each is a toast saying who did what; the list is
   * fetched again (the events do not carry the ids that marking read needs).
   *
   * @param {{data: any}[]} events
   */
  webEvents(events) {
    for (const { data } of events) {
      const path = pathOf(data);
      const { title, subject } = phrase(data);
      const body = [subject, data.project?.name].filter(Boolean).join(' · ');
      this.#toasted.set(path, Date.now());
      this.#toasts.show({ key: path, title, body, url: path });
      this.#desktopNotification({ key: path, title, body, url: path });
    }
    this.load();
  }

  /**
   * `live_notifications.{me}` events: toasts, unless a web notification already told of
   * the same item.
   *
   * @param {{data: {title: string, body: string, url: string, timeout: number,
   *   by?: {username: string, full_name: string}}}[]} events
   */
  liveEvents(events) {
    const now = Date.now();
    for (const [path, when] of this.#toasted) {
      if (now - when > SHARED_MS) this.#toasted.delete(path);
    }
    for (const { data } of events) {
      const { body, url, timeout, by } = data;
      // "User story #42 updated by Alice": who made it, when the backend says.
      const title = by ? `${data.title} by ${by.full_name || by.username}` : data.title;
      const key = new URL(url, window.location.href).pathname;
      if (this.#toasted.has(key)) continue;
      this.#toasts.show({ key, title, body, url, timeout });
      this.#desktopNotification({ key, title, body, url });
    }
  }

  /** @param {{data: {title: string, desc: string}}[]} events */
  systemEvents(events) {
    for (const { data } of events) this.#toasts.show({ title: data.title, body: data.desc });
  }

  /**
   * Mark read the unread notifications about an item (its board path), e.g. once a
   * toast's link to it was followed.
   *
   * @param {string} path
   */
  markReadAbout(path) {
    for (const item of this.#items) {
      if (!item.read && pathOf(item.data) === path) this.markRead(item.id);
    }
  }

  /** @param {number} id */
  async markRead(id) {
    try {
      const read = await this.#api.post(`/web-notifications/${id}/set_as_read`);
      const before = this.#items.find((item) => item.id === id);
      if (before && !before.read) this.#unread = Math.max(0, this.#unread - 1);
      this.#items = this.#items.map((item) => (item.id === id ? read : item));
      this.#render();
    } catch (error) {
      this.#report(error);
    }
  }

  async markAllRead() {
    try {
      await this.#api.post('/web-notifications/set_as_read');
      const now = new Date().toISOString();
      this.#items = this.#items.map((item) => ({ ...item, read: item.read ?? now }));
      this.#unread = 0;
      this.#render();
    } catch (error) {
      this.#report(error);
    }
  }

  #render() {
    const unread = this.#unread;
    this.#badge.textContent = unread > MOST_COUNTED ? `${MOST_COUNTED}+` : String(unread);
    this.#badge.hidden = unread === 0;
    this.#button.setAttribute('aria-label', `Notifications, ${unread} unread`);
    const hidden = this.#total - this.#items.length;
    this.#more.hidden = hidden <= 0;
    this.#more.textContent = `The newest ${this.#items.length} of ${this.#total} are shown.`;
    if (this.#items.length === 0) {
      this.#list.replaceChildren(h('li', { class: 'empty' }, 'Nothing yet.'));
      return;
    }
    this.#list.replaceChildren(...this.#items.map((item) => this.#entry(item)));
  }

  /** @param {any} item */
  #entry(item) {
    const { data } = item;
    return h(
      'li',
      { class: item.read ? 'notification' : 'notification unread', 'data-id': item.id },
      h(
        'button',
        { type: 'button', class: 'open', onclick: () => this.#open(item) },
        h('span', { class: 'what' }, describe(data)),
        h('span', { class: 'meta' }, `${data.project?.name ?? ''} · ${timeAgo(item.created)}`),
      ),
      item.read
        ? null
        : h(
            'button',
            { type: 'button', class: 'quiet mark-read', onclick: () => this.markRead(item.id) },
            'Mark read',
          ),
    );
  }

  /**
   * An entry was chosen: it is read, the panel closes, and a story is shown on the board.
   *
   * @param {any} item
   */
  #open(item) {
    this.#popover.toggle(false);
    this.#button.focus();
    if (!item.read) this.markRead(item.id);
    if (item.data.object?.content_type === 'userstories.userstory') this.#onOpen(item.data);
  }

  #showDesktopButton() {
    this.#desktop.hidden = !('Notification' in window) || Notification.permission !== 'default';
  }

  /**
   * A desktop notification, which replaces an earlier one about the same item (`key`).
   *
   * @param {{key: string, title: string, body: string, url: string}} notification
   */
  #desktopNotification({ key, title, body, url }) {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    const shown = new Notification(title, { body, tag: `taiga-${key}` });
    shown.addEventListener('click', () => {
      window.focus();
      this.#onLink(url);
    });
  }
}

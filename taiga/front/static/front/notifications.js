/**
 * The signed-in user's notifications. Web notifications (`GET /web-notifications`, fetched
 * again on each `web_notifications.{me}` event) are listed in a panel, the unread ones
 * counted on a badge; live notifications (`live_notifications.{me}`) and system messages
 * (`notifications`) are shown as toasts, and as desktop notifications once allowed.
 *
 * @module notifications
 */

import { h } from './dom.js';

const KINDS = {
  'userstories.userstory': 'user story',
  'tasks.task': 'task',
  'issues.issue': 'issue',
  'epics.epic': 'epic',
};

/**
 * What a web notification says (the seed's section 3 data).
 *
 * @param {{type: string, user: any, project: any, object: any}} data
 * @returns {string}
 */
export function describe({ type, user, project, object }) {
  const who = user?.full_name || user?.username || 'Someone';
  const what = object
    ? `${KINDS[object.content_type] ?? 'item'} #${object.ref} “${object.subject}”`
    : project?.name ?? 'a project';
  switch (type) {
    case 'assigned':
      return `${who} assigned you to ${what}`;
    case 'mentioned':
      return `${who} mentioned you in ${what}`;
    case 'added_as_watcher':
      return `${who} made you a watcher of ${what}`;
    case 'added_as_member':
      return `${who} added you to ${project?.name ?? 'a project'}`;
    case 'mentioned_in_comment':
      return `${who} mentioned you in a comment on ${what}`;
    case 'comment':
      return `${who} commented on ${what}`;
    default:
      return `${who}: ${type} ${what}`;
  }
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
  #panel;
  #list;
  #desktop;
  /** @type {any[]} Newest first. */
  #items = [];
  // Bumped by every load and reset: only the latest answer is shown.
  #generation = 0;

  /**
   * @param {object} options
   * @param {import('./api.js').Api} options.api
   * @param {import('./toasts.js').Toasts} options.toasts
   * @param {(data: any) => void} options.onOpen Show what a web notification is about.
   * @param {(url: string) => void} options.onLink Follow a live notification's link.
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
    this.#panel = document.getElementById('notifications');
    this.#list = document.getElementById('notification-list');
    this.#desktop = document.getElementById('enable-desktop');
    this.#button.addEventListener('click', () => this.#toggle(this.#panel.hidden));
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.#toggle(false);
    });
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
      const items = await this.#api.get('/web-notifications');
      if (generation !== this.#generation) return;
      this.#items = items;
      this.#render();
    } catch (error) {
      if (generation === this.#generation) this.#report(error);
    }
  }

  /** Signed out: nothing to show. */
  reset() {
    this.#generation += 1;
    this.#items = [];
    this.#toggle(false);
    this.#button.hidden = true;
    this.#render();
  }

  /** `web_notifications.{me}` events: the list is fetched again (their ids are needed). */
  webEvents() {
    this.load();
  }

  /** @param {{data: {title: string, body: string, url: string, timeout: number}}[]} events */
  liveEvents(events) {
    for (const { data } of events) {
      const { title, body, url, timeout } = data;
      this.#toasts.show({ title, body, url, timeout });
      this.#desktopNotification(data);
    }
  }

  /** @param {{data: {title: string, desc: string}}[]} events */
  systemEvents(events) {
    for (const { data } of events) this.#toasts.show({ title: data.title, body: data.desc });
  }

  /** @param {number} id */
  async markRead(id) {
    try {
      const read = await this.#api.post(`/web-notifications/${id}/set_as_read`);
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
      this.#render();
    } catch (error) {
      this.#report(error);
    }
  }

  #render() {
    const unread = this.#items.filter((item) => !item.read).length;
    this.#badge.textContent = String(unread);
    this.#badge.hidden = unread === 0;
    this.#button.setAttribute('aria-label', `Notifications, ${unread} unread`);
    if (this.#items.length === 0) {
      this.#list.replaceChildren(h('li', { class: 'empty' }, 'Nothing yet.'));
      return;
    }
    this.#list.replaceChildren(...this.#items.map((item) => this.#entry(item)));
  }

  /** @param {any} item */
  #entry(item) {
    const { data } = item;
    const text = describe(data);
    const story = data.object?.content_type === 'userstories.userstory';
    return h(
      'li',
      { class: item.read ? 'notification' : 'notification unread', 'data-id': item.id },
      story
        ? h('button', { type: 'button', class: 'open', onclick: () => this.#onOpen(data) }, text)
        : h('span', { class: 'open' }, text),
      h('span', { class: 'meta' }, `${data.project?.name ?? ''} · ${timeAgo(item.created)}`),
      item.read
        ? null
        : h(
            'button',
            { type: 'button', class: 'quiet mark-read', onclick: () => this.markRead(item.id) },
            'Mark read',
          ),
    );
  }

  /** @param {boolean} open */
  #toggle(open) {
    this.#panel.hidden = !open;
    this.#button.setAttribute('aria-expanded', String(open));
  }

  #showDesktopButton() {
    this.#desktop.hidden = !('Notification' in window) || Notification.permission !== 'default';
  }

  /** @param {{title: string, body: string, url: string, id: number}} data */
  #desktopNotification(data) {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    const shown = new Notification(data.title, { body: data.body, tag: `taiga-${data.id}` });
    shown.addEventListener('click', () => {
      window.focus();
      this.#onLink(data.url);
    });
  }
}

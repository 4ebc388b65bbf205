/**
 * The live board page: signing in, choosing a project, and wiring the board, its filter,
 * the notifications, the connection indicator and the event log to the events client.
 *
 * One session id for the page: every events client it makes (one per signed-in user) and
 * every API request carry it, so the page's own changes come back neither from the gateway
 * nor from the client. What was loaded before the events were live (before the first
 * connection) is fetched again once they are. After a reconnection the client resumes each
 * subscription where it stopped, and the events missed meanwhile are applied like live
 * ones; only a subscription the gateway could not resume (`recovered: false`) has what
 * depends on it fetched again.
 *
 * @module app
 */

import { TaigaEventsClient, newSessionId } from '../taiga-events/taiga-events.js';
import { Api } from './api.js';
import { Board } from './board.js';
import { BoardFilter } from './board-filter.js';
import { BoardView } from './board-view.js';
import { ColumnTabs } from './column-tabs.js';
import { h, initials, setOptions } from './dom.js';
import { EventLog } from './event-log.js';
import { Notifications } from './notifications.js';
import { Popover } from './popover.js';
import { StoryDialog } from './story-dialog.js';
import { Toasts } from './toasts.js';

const config = JSON.parse(document.getElementById('board-config').textContent);
const SESSION_KEY = 'taiga-board.session';
const STATE_TEXT = {
  idle: 'offline',
  connecting: 'connecting…',
  open: 'live',
  reconnecting: 'reconnecting…',
  closed: 'offline',
};

const element = (id) => document.getElementById(id);
const projectSelect = /** @type {HTMLSelectElement} */ (element('project-select'));
const indicator = element('connection');
const sessionId = newSessionId();
element('session-id').textContent = sessionId;

/** @type {TaigaEventsClient} */
let events;
/** @type {any} The signed-in user, or null. */
let user = null;
/** @type {any[]} The projects the user may view. */
let projects = [];
/** @type {string | null} The project subscription of `events`. */
let projectPattern = null;
// Whether the page may lack changes: loaded while its subscriptions were not live yet.
let missedEvents = true;

const api = new Api(config.apiUrl, () => events.headers());
const toasts = new Toasts(element('toasts'), openLink);
const report = (error) => {
  toasts.show({ title: 'That did not work', body: error.message, kind: 'error' });
};
const board = new Board({ api, onChange: boardChanged, onError: report });
const filter = new BoardFilter(
  {
    input: /** @type {HTMLInputElement} */ (element('filter-text')),
    mine: /** @type {HTMLButtonElement} */ (element('filter-mine')),
    clear: /** @type {HTMLButtonElement} */ (element('filter-clear')),
    result: element('filter-result'),
  },
  () => view.render(),
);
const view = new BoardView(element('board'), board, {
  onEdit: (id) => dialog.open(id),
  filter,
  tabs: new ColumnTabs(element('column-tabs'), element('board')),
});
const dialog = new StoryDialog(/** @type {HTMLDialogElement} */ (element('story-dialog')), board);
const notifications = new Notifications({
  api,
  toasts,
  report,
  onLink: openLink,
  onOpen: (data) => go({ slug: data.project?.slug, target: { id: data.object?.id } }),
});
const log = new EventLog(element('event-log'), element('log-count'));
const logDrawer = new Popover(element('log-toggle'), element('event-log'), { light: false });
element('event-log').querySelector('[data-action="close"]').addEventListener('click', () => {
  logDrawer.toggle(false);
  element('log-toggle').focus();
});
const keysHelp = new Popover(element('keys-toggle'), element('keys-help'));

// Shortcuts of the page (those of cards are the board view's): "/" filters, "?" lists them.
document.addEventListener('keydown', (event) => {
  const target = /** @type {HTMLElement} */ (event.target);
  const typing = target.closest('input, textarea, select, [contenteditable="true"]');
  const modified = event.ctrlKey || event.metaKey || event.altKey;
  if (typing || modified || document.querySelector('dialog[open]')) return;
  if (event.key === '/') {
    event.preventDefault();
    filter.focus();
  } else if (event.key === '?') {
    keysHelp.toggle(!keysHelp.open);
  }
});

/** @param {number[]} remote */
function boardChanged(remote) {
  view.render(remote);
  dialog.changedElsewhere(remote);
  const message = element('board-message');
  const readOnly = board.project && !board.can('add_us') && !board.can('modify_us');
  const why = user ? 'your role may not change it' : 'sign in to change it';
  message.textContent = readOnly ? `You are watching ${board.project.name} read-only: ${why}.` : '';
}

// Signing in and out -------------------------------------------------------------------

/** @param {{token: string, user: any} | null} session */
async function changeUser(session) {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
  api.token = session?.token ?? null;
  user = session?.user ?? null;
  element('sign-in').hidden = Boolean(user);
  element('sign-out').hidden = !user;
  element('whoami').hidden = !user;
  element('whoami').textContent = user ? user.full_name || user.username : '';
  element('whoami').title = user ? `Signed in as ${user.username}` : '';
  element('whoami').dataset.initials = user ? initials(user.full_name || user.username) : '';
  filter.setUser(user);
  startEvents();
  if (user) notifications.load();
  else notifications.reset();
  await showProjects(route());
}

async function signIn(username, password) {
  const error = element('sign-in-error');
  error.textContent = '';
  try {
    const { auth_token: token, ...signedIn } = await api.post('/auth', {
      type: 'normal',
      username,
      password,
    });
    await changeUser({ token, user: signedIn });
    element('sign-in-form').reset();
  } catch (failure) {
    error.textContent = failure.message;
  }
}

api.onUnauthorized = () => {
  api.token = null;
  toasts.show({ title: 'Signed out', body: 'Your session has ended: sign in again.' });
  changeUser(null);
};

element('sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  signIn(element('username').value, element('password').value);
});
element('sign-out').addEventListener('click', () => changeUser(null));
// Narrow screens show the demo users and fold the password form away until asked for.
element('password-toggle').addEventListener('click', (event) => {
  const open = element('sign-in-form').classList.toggle('with-password');
  /** @type {HTMLElement} */ (event.currentTarget).setAttribute('aria-expanded', String(open));
  if (open) element('username').focus();
});
if (config.demoUsers.length) {
  element('demo-users').append(
    h('span', { class: 'demo-hint' }, `Demo users (password ${config.demoPassword}):`),
    ...config.demoUsers.map((demo) =>
      h(
        'button',
        {
          type: 'button',
          class: 'demo-user',
          title: `Sign in as ${demo.fullName || demo.username} (${demo.role})`,
          onclick: () => signIn(demo.username, config.demoPassword),
        },
        demo.username,
      ),
    ),
  );
}

// Events -------------------------------------------------------------------------------

/** Handler calls once per animation frame; at once in a hidden tab, which has no frames. */
function nextFrame(flush) {
  if (document.hidden) setTimeout(flush, 0);
  else requestAnimationFrame(flush);
}

/** A new events client for the current user (anonymous: public projects only). */
function startEvents() {
  events?.close();
  const client = new TaigaEventsClient({
    url: config.eventsUrl,
    token: api.token,
    sessionId,
    batch: nextFrame,
    // Signed permissions: after a gateway restart, coming back costs the backend nothing.
    permissions: api.token ? permissionClaims : null,
  });
  events = client;
  projectPattern = null;
  missedEvents = true; // its subscriptions are new: what is loaded before they are live
  client.onState((change) => {
    if (client === events) connectionChanged(change);
  });
  client.onResume((resumed) => {
    if (client === events && !resumed.recovered) lostEvents(resumed);
  });
  client.onFrame((frame) => log.add(frame, sessionId));
  // Refused claims need no word: the gateway asks the backend instead.
  client.onError((error) => error.code !== 'invalid_permissions' && report(error));
  client.on('changes.#', (batch) => board.applyEvents(batch));
  if (user) {
    listen(`web_notifications.${user.id}`, (batch) => notifications.webEvents(batch));
    listen(`live_notifications.${user.id}`, (batch) => notifications.liveEvents(batch));
    listen('notifications', (batch) => notifications.systemEvents(batch));
  }
  client.connect().catch(() => {}); // a refused token leaves it closed: the indicator says so
}

/**
 * The signed-in user's permission claims for these projects, for the events client.
 *
 * @param {number[]} ids
 * @returns {Promise<string>}
 */
async function permissionClaims(ids) {
  return (await api.get(`/events/permissions?projects=${ids.join(',')}`)).token;
}

/**
 * Handle and subscribe to a pattern of the current client.
 *
 * @param {string} pattern
 * @param {(batch: any[]) => void} handler
 */
function listen(pattern, handler) {
  events.on(pattern, handler);
  events.subscribe(pattern).catch(reportRefusal);
}

/** A subscription the gateway refused (not one cut short by closing the client). */
function reportRefusal(error) {
  if (error.code !== 'closed') report(error);
}

/** @param {import('../taiga-events/taiga-events.js').StateChange} change */
function connectionChanged({ state, attempt, delay, error }) {
  indicator.dataset.state = state;
  let text = STATE_TEXT[state];
  if (state === 'reconnecting' && delay !== null) {
    text = `reconnecting… (attempt ${attempt + 1} in ${(delay / 1000).toFixed(1)} s)`;
  } else if (state === 'closed' && error?.code) {
    text = `offline: ${error.code}`;
  }
  indicator.querySelector('.connection-text').textContent = text;
  indicator.title = error ? `${config.eventsUrl}: ${error.message}` : config.eventsUrl;
  if (state === 'open' && missedEvents) {
    // Live now: fetch what was loaded before, since events may have been missed meanwhile.
    missedEvents = false;
    board.refresh();
    if (user) notifications.load();
  }
}

/**
 * A subscription resumed after a reconnection without the events missed meanwhile: fetch
 * again what it keeps up to date (live notifications and system messages are only shown
 * as they come, so there is nothing to fetch for those).
 *
 * @param {import('../taiga-events/taiga-events.js').Resumed} resumed
 */
function lostEvents({ routingKey }) {
  if (routingKey === projectPattern) board.refresh();
  else if (user && routingKey === `web_notifications.${user.id}`) notifications.load();
}

// Projects and links -------------------------------------------------------------------

/**
 * What the address points at: `/project/{slug}/…`, and `…/us/{ref}` a story in it (the
 * links of live notifications).
 *
 * @returns {{slug?: string, target?: {ref?: number, id?: number}}}
 */
function route() {
  const match = /\/project\/([\w-]+)(?:\/us\/(\d+))?/.exec(window.location.pathname);
  if (!match) return {};
  return { slug: match[1], target: match[2] ? { ref: Number(match[2]) } : undefined };
}

/** @param {{slug?: string, target?: {ref?: number, id?: number}}} where */
async function showProjects(where) {
  try {
    projects = (await api.get('/projects')).sort((a, b) => a.name.localeCompare(b.name));
  } catch (error) {
    report(error);
    return;
  }
  setOptions(
    projectSelect,
    projects.map((project) => ({ value: project.id, label: project.name })),
    null,
  );
  const chosen =
    projects.find((project) => project.slug === where.slug) ??
    projects.find((project) => project.id === board.project?.id) ??
    projects.find((project) => project.id === config.defaultProject?.id) ??
    projects[0];
  if (chosen) await showProject(chosen, where.target);
  else {
    board.clear();
    element('board-message').textContent = user
      ? 'There is no project you may view.'
      : 'There is no public project: sign in to see yours.';
  }
}

/**
 * Show a project's board, live: subscribed first, so that nothing changed after it was
 * fetched can be missed.
 *
 * @param {any} project
 * @param {{ref?: number, id?: number}} [target] A story to point out.
 */
async function showProject(project, target) {
  projectSelect.value = String(project.id);
  document.title = `${project.name} · Taiga live board`;
  if (!window.location.pathname.startsWith(`/project/${project.slug}/`)) {
    window.history.replaceState(null, '', `/project/${project.slug}/kanban`);
  }
  const pattern = `changes.project.${project.id}.*`;
  if (pattern !== projectPattern) {
    if (projectPattern) events.unsubscribe(projectPattern).catch(() => {});
    projectPattern = pattern;
    const subscribed = events.subscribe(pattern).catch(reportRefusal);
    if (events.state === 'open') await subscribed;
  }
  missedEvents = events.state !== 'open';
  if ((await board.load(project.id)) && target) view.highlight(target);
}

/** @param {{slug?: string, target?: {ref?: number, id?: number}}} where */
function go(where) {
  const project = projects.find((p) => p.slug === where.slug);
  if (!project) return;
  if (project.id === board.project?.id) view.highlight(where.target ?? {});
  else showProject(project, where.target);
}

/**
 * Follow a link of a notification: on this board if it is one of its addresses.
 *
 * @param {string} url
 */
function openLink(url) {
  const target = new URL(url, window.location.href);
  if (target.origin !== window.location.origin || !target.pathname.startsWith('/project/')) {
    window.open(target.href, '_blank', 'noopener');
    return;
  }
  window.history.pushState(null, '', target.pathname);
  go(route());
  if (user) notifications.markReadAbout(target.pathname);
}

projectSelect.addEventListener('change', () => {
  const project = projects.find((p) => p.id === Number(projectSelect.value));
  if (project) showProject(project);
});
window.addEventListener('popstate', () => go(route()));

// Start --------------------------------------------------------------------------------

/** The session kept in this tab (`sessionStorage`), if its token still works. */
async function savedSession() {
  let session = null;
  try {
    session = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
  } catch {
    return null;
  }
  if (!session?.token) return null;
  const check = new Api(config.apiUrl, () => ({}));
  check.token = session.token;
  try {
    return { token: session.token, user: await check.get('/users/me') };
  } catch {
    return null;
  }
}

changeUser(await savedSession());

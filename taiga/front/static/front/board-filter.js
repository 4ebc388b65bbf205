/**
 * Which stories the board shows: those that match a text and, if asked, only those
 * assigned to the signed-in user. It is applied at every render, so a story changed live
 * stays hidden while it does not match, and one that comes to match appears.
 *
 * A text matches when each of its words does: `#12` the story with that ref, any other word
 * a part of the subject, the ref or an assignee's name or username (ignoring case and
 * accents).
 *
 * @module board-filter
 */

/**
 * @param {string} text
 * @returns {string}
 */
function fold(text) {
  return text.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
}

/**
 * The people a story is assigned to: `assigned_to` and `assigned_users`.
 *
 * @param {any} story
 * @returns {number[]}
 */
export function assignees(story) {
  const ids = [story.assigned_to, ...(story.assigned_users ?? [])].filter((id) => id != null);
  return [...new Set(ids)];
}

export class BoardFilter {
  #input;
  #mine;
  #clear;
  #result;
  #onChange;
  /** @type {string[]} The text's words, folded. */
  #words = [];
  /** @type {number | null} The signed-in user's id. */
  #me = null;

  /**
   * @param {object} elements
   * @param {HTMLInputElement} elements.input The text.
   * @param {HTMLButtonElement} elements.mine The "assigned to me" toggle (`aria-pressed`).
   * @param {HTMLButtonElement} elements.clear Clears both.
   * @param {HTMLElement} elements.result Says how many stories are shown.
   * @param {() => void} onChange The filter changed: render again.
   */
  constructor({ input, mine, clear, result }, onChange) {
    this.#input = input;
    this.#mine = mine;
    this.#clear = clear;
    this.#result = result;
    this.#onChange = onChange;
    input.addEventListener('input', () => this.#changed());
    mine.addEventListener('click', () => {
      mine.setAttribute('aria-pressed', String(!this.#onlyMine));
      this.#changed();
    });
    clear.addEventListener('click', () => {
      this.reset();
      input.focus();
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && input.value === '') input.blur();
    });
  }

  /** @returns {boolean} Whether some stories may be hidden. */
  get active() {
    return this.#words.length > 0 || this.#onlyMine;
  }

  get #onlyMine() {
    return this.#me !== null && this.#mine.getAttribute('aria-pressed') === 'true';
  }

  /**
   * The signed-in user (null: nobody), whose stories "assigned to me" shows.
   *
   * @param {{id: number} | null} user
   */
  setUser(user) {
    this.#me = user?.id ?? null;
    this.#mine.hidden = this.#me === null;
    if (this.#me === null) this.#mine.setAttribute('aria-pressed', 'false');
    this.#changed();
  }

  /** Show every story again. */
  reset() {
    this.#input.value = '';
    this.#mine.setAttribute('aria-pressed', 'false');
    this.#changed();
  }

  /** Put the cursor in the text (the `/` shortcut). */
  focus() {
    this.#input.focus();
    this.#input.select();
  }

  /**
   * @param {any} story
   * @param {Map<number, any>} members Membership by user id (for assignees' names).
   * @returns {boolean}
   */
  matches(story, members) {
    const people = assignees(story);
    if (this.#onlyMine && !people.includes(this.#me)) return false;
    if (this.#words.length === 0) return true;
    const names = people.map((id) => {
      const member = members.get(id);
      return member ? `${member.full_name ?? ''} ${member.username ?? ''}` : '';
    });
    const text = fold(`#${story.ref} ${story.subject} ${names.join(' ')}`);
    return this.#words.every((word) =>
      /^#\d+$/.test(word) ? word === `#${story.ref}` : text.includes(word),
    );
  }

  /**
   * Say how many stories the board shows.
   *
   * @param {number} shown
   * @param {number} total
   */
  showResult(shown, total) {
    const active = this.active;
    this.#clear.hidden = !active;
    if (!active) this.#result.textContent = '';
    else if (shown === 0) this.#result.textContent = `No story matches (of ${total})`;
    else this.#result.textContent = `${shown} of ${total} ${total === 1 ? 'story' : 'stories'}`;
  }

  #changed() {
    this.#words = fold(this.#input.value).split(/\s+/).filter(Boolean);
    this.#onChange();
  }
}

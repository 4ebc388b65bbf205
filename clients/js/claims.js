/**
 * Permission claims: what the user may see, signed by the backend
 * (`GET /api/v1/events/permissions`), sent with `auth` so that the gateway authorizes the
 * subscriptions without asking the backend. After a gateway restart every client comes back
 * at once; with claims still fresh in hand, none of them costs the backend a request.
 *
 * Claims are kept while fresh and cover the projects followed, and replaced at two thirds of
 * their lifetime, so that those in hand always have a third of it left. A source that fails
 * keeps the claims still valid and is asked again later; without valid claims `auth` goes
 * without (the gateway then asks the backend, as for any client).
 *
 * @module claims
 */

/** Replace claims once this fraction of their lifetime has passed. */
const REFRESH_AT = 2 / 3;
/** Milliseconds before a source that failed is asked again. */
export const RETRY_MS = 10000;

const PROJECT = /^changes\.project\.(\d+)(?:\.|$)/;

/**
 * The ids of the projects whose changes some of `patterns` follow.
 *
 * @param {Iterable<string>} patterns
 * @returns {number[]}
 */
export function projectIds(patterns) {
  const ids = new Set();
  for (const pattern of patterns) {
    const match = PROJECT.exec(pattern);
    if (match) ids.add(Number(match[1]));
  }
  return [...ids].sort((a, b) => a - b);
}

/**
 * What the client needs to know of claims (a JWT): their lifetime in seconds (`exp - iat`)
 * and the projects they cover; null if they do not say.
 *
 * @param {string} token
 * @returns {{lifetime: number, projects: Set<number>} | null}
 */
export function readClaims(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const { iat, exp, projects } = JSON.parse(atob(payload));
    if (typeof iat !== 'number' || typeof exp !== 'number' || exp <= iat) return null;
    return { lifetime: exp - iat, projects: new Set(Object.keys(projects ?? {}).map(Number)) };
  } catch {
    return null;
  }
}

/** The claims of one client, and when to replace them. */
export class Claims {
  #source;
  #now;
  /** @type {string | null} */
  #token = null;
  /** @type {Set<number>} */
  #projects = new Set();
  #refreshAt = 0;
  #expiresAt = 0;

  /**
   * @param {(projectIds: number[]) => (string | Promise<string>)} source New claims for
   *   these projects: the `token` of the backend's answer.
   * @param {() => number} [now] Milliseconds, `Date.now` by default.
   */
  constructor(source, now = Date.now) {
    this.#source = source;
    this.#now = now;
  }

  /**
   * Claims to send with `auth`: those kept while fresh and covering `ids`, else new ones.
   *
   * @param {number[]} ids The projects they should cover.
   * @param {{fresh?: boolean}} [options] `fresh`: ask the source even if the kept ones are fresh.
   * @returns {Promise<string | null>} Null when there are no valid claims.
   */
  async get(ids, { fresh = false } = {}) {
    const now = this.#now();
    const kept = this.#token !== null && ids.every((id) => this.#projects.has(id));
    if (!fresh && kept && now < this.#refreshAt && now < this.#expiresAt) return this.#token;
    let token = null;
    try {
      token = await this.#source(ids);
    } catch {
      // The backend may be away for a moment: what is still valid will do meanwhile.
    }
    const at = this.#now();
    const claims = typeof token === 'string' ? readClaims(token) : null;
    if (claims === null) {
      this.#refreshAt = at + RETRY_MS;
      return this.#token !== null && at < this.#expiresAt ? this.#token : null;
    }
    this.#token = token;
    this.#projects = claims.projects;
    this.#refreshAt = at + claims.lifetime * 1000 * REFRESH_AT;
    this.#expiresAt = at + claims.lifetime * 1000;
    return token;
  }

  /** Milliseconds until the claims should be replaced (asked again, after a failure). */
  refreshIn() {
    return Math.max(0, this.#refreshAt - this.#now());
  }
}

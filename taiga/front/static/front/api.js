/**
 * The backend's REST API (`/api/v1/`) as the board uses it: JSON in and out, the signed-in
 * user's token, and the events client's session id (`x-session-id`) on every request, so
 * that the events of the page's own changes are recognized as such and not applied twice.
 *
 * @module api
 */

/** A request the backend refused (`status`), or could not be sent (`status` 0). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {any} body The answer's JSON, if any.
   */
  constructor(status, body) {
    super(describe(status, body));
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

/**
 * A readable message from an error answer: DRF's `detail`, or the first field's problems;
 * for an answer that is not JSON (an error page), a short sentence, never its markup.
 *
 * @param {number} status
 * @param {any} body
 * @returns {string}
 */
function describe(status, body) {
  if (body && typeof body === 'object') {
    if (typeof body.detail === 'string') return body.detail;
    const [field, problems] = Object.entries(body)[0] ?? [];
    if (field) return `${field}: ${[problems].flat().join(' ')}`;
  }
  if (!status) return 'the backend cannot be reached';
  if (status >= 500) return `the server failed (HTTP ${status}): try again in a moment`;
  if (status < 300) return 'the server gave an answer the board cannot read';
  return `the server refused the request (HTTP ${status})`;
}

export class Api {
  #base;
  #headers;

  /**
   * @param {string} base e.g. `http://localhost:9000/api/v1`.
   * @param {() => Record<string, string>} headers Headers for every request (the events
   *   client's `headers()`: its session id).
   */
  constructor(base, headers) {
    this.#base = base.replace(/\/$/, '');
    this.#headers = headers;
    /** @type {string | null} The signed-in user's access token. */
    this.token = null;
    /** @type {() => void} Called when the backend no longer takes the token (401). */
    this.onUnauthorized = () => {};
  }

  /**
   * @param {string} method
   * @param {string} path e.g. `/userstories?project=1`.
   * @param {any} [body] Sent as JSON.
   * @returns {Promise<any>} The answer's JSON (null for an empty answer).
   */
  async request(method, path, body) {
    return (await this.#send(method, path, body)).data;
  }

  /**
   * One page of a list (`?page_size=` in `path`) and how long the whole list is.
   *
   * @param {string} path
   * @returns {Promise<{items: any[], total: number}>}
   */
  async page(path) {
    const { data, headers } = await this.#send('GET', path);
    return { items: data, total: Number(headers.get('x-pagination-count') ?? data.length) };
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {any} [body]
   * @returns {Promise<{data: any, headers: Headers}>}
   */
  async #send(method, path, body) {
    const headers = { Accept: 'application/json', ...this.#headers() };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const init = { method, headers };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(this.#base + path, init);
    } catch {
      throw new ApiError(0, null);
    }
    const text = await response.text();
    let data = null;
    let readable = true;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      readable = false; // an error page of a proxy or server: its markup is no message
    }
    if (response.status === 401 && this.token) this.onUnauthorized();
    if (!response.ok || !readable) throw new ApiError(response.status, data);
    return { data, headers: response.headers };
  }

  get(path) {
    return this.request('GET', path);
  }

  post(path, body) {
    return this.request('POST', path, body);
  }

  patch(path, body) {
    return this.request('PATCH', path, body);
  }

  delete(path) {
    return this.request('DELETE', path);
  }
}

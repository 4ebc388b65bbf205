/**
 * Routing keys and subscription patterns, with the gateway's semantics (AMQP topic rules).
 *
 * `*` matches exactly one dot-separated word and `#` zero or more. Two documented
 * exceptions, both about a project's changes: the seed promises that `changes.project.5.*`
 * means every change in project 5, so a pattern `changes.project.{id}.*` is read as
 * `changes.project.{id}.#`; and the original taiga-back publishes four-word keys
 * (`changes.project.5.userstories`), so a pattern `changes.project.{id}.{app}` is read as
 * `changes.project.{id}.{app}.#`, which receives both generations of keys.
 *
 * @module routing
 */

// changes.project.{id}.* or changes.project.{id}.{app}: the two exceptions above.
const PROJECT_SHORT = /^(changes\.project\.\d+)\.(?:\*|([A-Za-z0-9_-]+))$/;

/**
 * Apply the two exceptions: `changes.project.{id}.*` → `changes.project.{id}.#` and
 * `changes.project.{id}.{app}` → `changes.project.{id}.{app}.#`.
 *
 * @param {string} pattern
 * @returns {string}
 */
export function normalizePattern(pattern) {
  const short = PROJECT_SHORT.exec(pattern);
  if (!short) return pattern;
  const [, project, app] = short;
  return app ? `${project}.${app}.#` : `${project}.#`;
}

/**
 * Whether `routingKey` matches `pattern` under AMQP topic rules (no normalization).
 *
 * @param {string} pattern
 * @param {string} routingKey
 * @returns {boolean}
 */
export function matches(pattern, routingKey) {
  if (!pattern.includes('*') && !pattern.includes('#')) return pattern === routingKey;
  const key = routingKey.split('.');
  // reachable[j]: the pattern words seen so far can match the first j words of the key.
  let reachable = [true, ...key.map(() => false)];
  for (const word of pattern.split('.')) {
    const next = new Array(key.length + 1).fill(false);
    for (let j = 0; j <= key.length; j += 1) {
      if (word === '#') {
        next[j] = reachable[j] || (j > 0 && next[j - 1]);
      } else if (j > 0) {
        next[j] = reachable[j - 1] && (word === '*' || word === key[j - 1]);
      }
    }
    reachable = next;
  }
  return reachable[key.length];
}

/**
 * A predicate for one pattern, with the gateway's normalization applied.
 *
 * @param {string} pattern
 * @returns {(routingKey: string) => boolean}
 */
export function patternMatcher(pattern) {
  const normalized = normalizePattern(pattern);
  return (routingKey) => matches(normalized, routingKey);
}

/**
 * Routing keys and subscription patterns, with the gateway's semantics (AMQP topic rules).
 *
 * `*` matches exactly one dot-separated word and `#` zero or more. One documented exception:
 * the seed promises that `changes.project.5.*` means every change in project 5, so a pattern
 * `changes.project.{id}.*` is read as `changes.project.{id}.#`.
 *
 * @module routing
 */

const PROJECT_STAR = /^changes\.project\.(\d+)\.\*$/;

/**
 * Apply the `changes.project.{id}.*` → `changes.project.{id}.#` exception.
 *
 * @param {string} pattern
 * @returns {string}
 */
export function normalizePattern(pattern) {
  const project = PROJECT_STAR.exec(pattern);
  return project ? `changes.project.${project[1]}.#` : pattern;
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

/**
 * Reconnection delays: exponential backoff with full jitter.
 *
 * Full jitter (a uniform delay between 0 and the exponential ceiling) spreads the
 * reconnections of many clients after a gateway restart instead of synchronizing them.
 *
 * @module backoff
 */

/**
 * @typedef {object} BackoffOptions
 * @property {number} base Ceiling of the first attempt's delay, in milliseconds (> 0).
 * @property {number} cap Largest ceiling, in milliseconds (>= base).
 * @property {() => number} [random] Uniform in [0, 1); `Math.random` by default.
 */

/**
 * The largest delay of attempt `attempt` (0-based): `min(cap, base · 2^attempt)`.
 *
 * @param {number} attempt
 * @param {BackoffOptions} options
 * @returns {number}
 */
export function backoffCeiling(attempt, { base, cap }) {
  return Math.min(cap, base * 2 ** attempt);
}

/**
 * A delay drawn uniformly from `[0, backoffCeiling(attempt))`.
 *
 * @param {number} attempt
 * @param {BackoffOptions} options
 * @returns {number}
 */
export function backoffDelay(attempt, { base, cap, random = Math.random }) {
  return random() * backoffCeiling(attempt, { base, cap });
}

/**
 * Reject options that would make the backoff meaningless.
 *
 * @param {BackoffOptions} options
 * @returns {BackoffOptions}
 */
export function checkBackoff({ base, cap, random }) {
  if (!(base > 0) || !(cap >= base)) {
    throw new RangeError(`backoff needs 0 < base <= cap, got base=${base} cap=${cap}`);
  }
  return { base, cap, random };
}

/**
 * Resuming subscriptions after a reconnection, without I/O.
 *
 * The gateway numbers events: `position`, in the history named by `epoch`. A subscription
 * stands at the position of the last event received for it, or at the one its `ack` reported
 * if none came since. Sent again with `since` set to that, it gets every event it missed,
 * once and in order, before the live ones; or `recovered: false` with a reason when the
 * history does not reach back, and the app must then fetch what it shows again.
 *
 * @module resume
 */

/**
 * A point in the gateway's history.
 *
 * @typedef {{position: number, epoch: string}} Mark
 */

/**
 * The outcome of sending a subscription again after a reconnection.
 *
 * @typedef {object} Resumed
 * @property {string} routingKey The subscription's pattern.
 * @property {boolean} recovered Whether every event missed follows (false: fetch again).
 * @property {string | null} reason Why not: the gateway's `epoch` (another history),
 *   `future`, `too_old`, `limit` or `unknown`; or the client's `no position` (none known to
 *   resume from: the gateway numbers no events) and `unsupported` (the gateway ignored
 *   `since`: it predates resuming).
 * @property {Mark | null} since Where it resumed from.
 */

/**
 * Whether `next` is further on than `mark`; a mark of another history always is, since
 * the newest history is the one the gateway serves.
 *
 * @param {Mark | null} mark
 * @param {Mark} next
 * @returns {boolean}
 */
export function isNewer(mark, next) {
  return mark === null || mark.epoch !== next.epoch || next.position > mark.position;
}

/**
 * The mark an `ack` reports (where the subscription is current from), if any.
 *
 * @param {{position: number | null, epoch: string | null}} ack
 * @returns {Mark | null}
 */
export function ackMark({ position, epoch }) {
  return position === null || epoch === null ? null : { position, epoch };
}

/**
 * Whether a resume from `since` recovered, from the gateway's `ack`.
 *
 * @param {Mark | null} since What was sent; null when nothing was known.
 * @param {{recovered: boolean | null, reason: string | null}} ack
 * @returns {{recovered: boolean, reason: string | null}}
 */
export function resumeOutcome(since, { recovered, reason }) {
  if (since === null) return { recovered: false, reason: 'no position' };
  if (recovered === null) return { recovered: false, reason: 'unsupported' };
  return recovered ? { recovered, reason: null } : { recovered, reason: reason ?? 'unknown' };
}

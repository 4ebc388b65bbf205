/**
 * Frames of the client ↔ gateway protocol (JSON text frames), parsed without I/O.
 *
 * Unknown fields are kept, never rejected: newer gateways may add some (forward
 * compatibility), and a frame of an unknown kind is reported as such rather than thrown.
 *
 * @module frames
 */

/**
 * An event as the gateway delivers it.
 *
 * @typedef {object} TaigaEvent
 * @property {string} routingKey The message's own routing key (not the pattern).
 * @property {string | null} sessionId Session id of the change's author, if any.
 * @property {object} data The event's payload, e.g. `{type, matches, pk}` for model changes.
 * @property {number | null} position The broker's number for the event, the same on every
 *   gateway; null from a broker that does not number its events.
 * @property {string | null} epoch The history `position` belongs to.
 * @property {object} frame The whole frame as received, unknown fields included.
 */

/**
 * What the `ack` of a `subscribe` says: where the history stands (`position`, `epoch`:
 * null from a gateway that does not say), and for a subscription sent with `since` whether
 * what was missed follows (`recovered`, or why not: `reason`). Null fields were not sent.
 *
 * @typedef {object} Ack
 * @property {'ack'} kind
 * @property {string | number | null} id
 * @property {number | null} position
 * @property {string | null} epoch
 * @property {boolean | null} recovered
 * @property {string | null} reason
 */

/**
 * A parsed incoming frame.
 *
 * @typedef {{kind: 'event', event: TaigaEvent}
 *   | {kind: 'pong', id: (string | number | null), position: (number | null),
 *      epoch: (string | null)}
 *   | Ack
 *   | {kind: 'error', id: (string | number | null), code: string, message: string,
 *      routingKey: (string | null)}
 *   | {kind: 'unknown', frame: any}} Frame
 */

/**
 * Parse one text frame from the gateway.
 *
 * @param {string} text
 * @returns {Frame}
 */
export function parseFrame(text) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    return { kind: 'unknown', frame: text };
  }
  if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) {
    return { kind: 'unknown', frame };
  }
  const id = frame.id ?? null;
  if (frame.cmd === 'pong') return { kind: 'pong', id, ...positionOf(frame) };
  if (frame.cmd === 'ack') {
    const { position, epoch } = positionOf(frame);
    return {
      kind: 'ack',
      id,
      position,
      epoch,
      recovered: typeof frame.recovered === 'boolean' ? frame.recovered : null,
      reason: typeof frame.reason === 'string' ? frame.reason : null,
    };
  }
  if (frame.cmd === 'error') {
    return {
      kind: 'error',
      id,
      code: String(frame.code ?? 'unknown_error'),
      message: String(frame.message ?? ''),
      // Unprompted errors about one subscription (e.g. subscription_revoked) name it.
      routingKey: typeof frame.routing_key === 'string' ? frame.routing_key : null,
    };
  }
  if (typeof frame.routing_key === 'string' && frame.cmd === undefined) {
    const data = frame.data !== null && typeof frame.data === 'object' ? frame.data : {};
    return {
      kind: 'event',
      event: {
        routingKey: frame.routing_key,
        sessionId: typeof frame.session_id === 'string' ? frame.session_id : null,
        data,
        ...positionOf(frame),
        frame,
      },
    };
  }
  return { kind: 'unknown', frame };
}

/**
 * A frame's position and epoch, both or neither (a position means nothing without its
 * history).
 *
 * @param {any} frame
 * @returns {{position: number | null, epoch: string | null}}
 */
function positionOf(frame) {
  const { position, epoch } = frame;
  if (Number.isInteger(position) && typeof epoch === 'string' && epoch) return { position, epoch };
  return { position: null, epoch: null };
}

/**
 * Encode one command; `id` asks the gateway for an `ack` or `error` reply.
 *
 * @param {string} cmd
 * @param {object} fields
 * @param {string | number} [id]
 * @returns {string}
 */
export function encodeCommand(cmd, fields, id) {
  return JSON.stringify(id === undefined ? { cmd, ...fields } : { cmd, ...fields, id });
}

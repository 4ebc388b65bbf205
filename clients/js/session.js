/**
 * Session ids: one per app instance, sent as `x-session-id` with every API request and
 * as `sessionId` in `auth`, so the author of a change can recognize its own events.
 *
 * @module session
 */

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * A random (version 4) UUID.
 *
 * Uses `crypto.randomUUID` where it exists (it needs a secure context in browsers), else
 * `crypto.getRandomValues`, else `Math.random`: a session id only has to be unique, not secret.
 *
 * @param {{randomUUID?: () => string, getRandomValues?: (bytes: Uint8Array) => Uint8Array}}
 *   [cryptoImpl] Defaults to `globalThis.crypto`.
 * @returns {string}
 */
export function newSessionId(cryptoImpl = globalThis.crypto) {
  if (typeof cryptoImpl?.randomUUID === 'function') return cryptoImpl.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof cryptoImpl?.getRandomValues === 'function') {
    cryptoImpl.getRandomValues(bytes);
  } else {
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = Math.floor(Math.random() * 256);
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (byte) => HEX[byte]);
  return [
    hex.slice(0, 4).join(''),
    hex.slice(4, 6).join(''),
    hex.slice(6, 8).join(''),
    hex.slice(8, 10).join(''),
    hex.slice(10).join(''),
  ].join('-');
}

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { backoffCeiling, backoffDelay, checkBackoff } from '../backoff.js';

test('the ceiling doubles from base and stops at cap', () => {
  const options = { base: 100, cap: 1000 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 60, 2000].map((attempt) => backoffCeiling(attempt, options)),
    [100, 200, 400, 800, 1000, 1000, 1000, 1000],
  );
});

test('full jitter: the delay is the random fraction of the ceiling', () => {
  const options = { base: 100, cap: 1000 };
  assert.equal(backoffDelay(0, { ...options, random: () => 0 }), 0);
  assert.equal(backoffDelay(2, { ...options, random: () => 0.5 }), 200);
  assert.equal(backoffDelay(9, { ...options, random: () => 0.999 }), 999);
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const delay = backoffDelay(attempt, options);
    assert.ok(delay >= 0 && delay < Math.min(1000, 100 * 2 ** attempt), `${attempt}: ${delay}`);
  }
});

test('meaningless bounds are refused', () => {
  assert.throws(() => checkBackoff({ base: 0, cap: 10 }), RangeError);
  assert.throws(() => checkBackoff({ base: 20, cap: 10 }), RangeError);
  assert.throws(() => checkBackoff({ base: Number.NaN, cap: 10 }), RangeError);
  assert.deepEqual(checkBackoff({ base: 1, cap: 1, random: Math.random }), {
    base: 1,
    cap: 1,
    random: Math.random,
  });
});

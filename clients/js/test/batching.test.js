import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Batcher, nextFrame } from '../batching.js';

test('each handler gets its events of one frame in a single call, in order', () => {
  const scheduled = [];
  const batcher = new Batcher((flush) => scheduled.push(flush));
  const calls = [];
  const first = (events) => calls.push(['first', events]);
  const second = (events) => calls.push(['second', events]);
  batcher.add(first, 1);
  batcher.add(second, 2);
  batcher.add(first, 3);
  assert.equal(scheduled.length, 1);
  assert.deepEqual(calls, []);
  scheduled[0]();
  assert.deepEqual(calls, [['first', [1, 3]], ['second', [2]]]);
  batcher.add(first, 4);
  assert.equal(scheduled.length, 2);
  scheduled[1]();
  assert.deepEqual(calls.at(-1), ['first', [4]]);
});

test('a failing handler does not stop the others', (t) => {
  const reported = [];
  t.mock.method(console, 'error', (error) => reported.push(error.message));
  const batcher = new Batcher((flush) => flush());
  const seen = [];
  batcher.add(() => {
    throw new Error('boom');
  }, 1);
  batcher.add((events) => seen.push(...events), 2);
  // The first add flushed at once; the second one did too.
  assert.deepEqual(seen, [2]);
  assert.deepEqual(reported, ['boom']);
});

test('nextFrame uses requestAnimationFrame where there is one, else a timer', async () => {
  const frames = [];
  globalThis.requestAnimationFrame = (callback) => frames.push(callback);
  try {
    let ran = false;
    nextFrame(() => {
      ran = true;
    });
    assert.equal(frames.length, 1);
    assert.equal(ran, false);
    frames[0](16.7);
    assert.equal(ran, true);
  } finally {
    delete globalThis.requestAnimationFrame;
  }
  await new Promise((resolve) => nextFrame(resolve));
});

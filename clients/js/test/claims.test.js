import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Claims, RETRY_MS, projectIds, readClaims } from '../claims.js';

/** A JWT-shaped token with these claims (the client reads them, it does not verify them). */
function token(payload) {
  return `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.signature`;
}

const claims = (n, ids = [5]) =>
  token({ n, iat: 100, exp: 130, projects: Object.fromEntries(ids.map((id) => [id, []])) });

test('the projects followed are those of changes.project.{id} patterns', () => {
  const patterns = ['changes.project.12.*', 'changes.project.5', 'changes.project.5.tasks.#'];
  assert.deepEqual(projectIds([...patterns, 'changes.#', 'web_notifications.3', 'x.project.9']), [
    5, 12,
  ]);
});

test('claims say their lifetime and projects; anything else is not claims', () => {
  assert.deepEqual(readClaims(claims(1, [5, 12])), { lifetime: 30, projects: new Set([5, 12]) });
  assert.equal(readClaims(token({ iat: 100 })), null);
  assert.equal(readClaims(token({ iat: 100, exp: 100 })), null);
  assert.equal(readClaims('not.a-token'), null);
  assert.equal(readClaims(''), null);
});

test('kept while fresh and covering, replaced at two thirds of their lifetime', async () => {
  let now = 0;
  const asked = [];
  const kept = new Claims(
    (ids) => {
      asked.push(ids);
      return claims(asked.length, ids);
    },
    () => now,
  );
  assert.equal(await kept.get([5]), claims(1, [5]));
  assert.equal(kept.refreshIn(), 20000);
  now = 19999;
  assert.equal(await kept.get([5]), claims(1, [5]));
  assert.equal(await kept.get([5], { fresh: true }), claims(2, [5]));
  // A project they do not cover.
  assert.equal(await kept.get([5, 6]), claims(3, [5, 6]));
  now += 20000;
  assert.equal(await kept.get([5]), claims(4, [5]));
  assert.deepEqual(asked, [[5], [5], [5, 6], [5]]);
});

test('a source that fails: the claims still valid meanwhile, then none; asked again later', async () => {
  let now = 0;
  let failing = false;
  const kept = new Claims(
    async () => {
      if (failing) throw new Error('the backend is away');
      return claims(1);
    },
    () => now,
  );
  assert.equal(await kept.get([5]), claims(1));
  failing = true;
  now = 25000;
  assert.equal(await kept.get([5]), claims(1));
  assert.equal(kept.refreshIn(), RETRY_MS);
  now = 30000;
  assert.equal(await kept.get([5]), null);
  // What is not claims is not kept either.
  failing = false;
  const unreadable = new Claims(() => 'not claims', () => now);
  assert.equal(await unreadable.get([5]), null);
  assert.equal(unreadable.refreshIn(), RETRY_MS);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { matches, normalizePattern, patternMatcher } from '../routing.js';

const KEY = 'changes.project.5.userstories.userstory';

test('AMQP topic matching: * is one word, # zero or more', () => {
  const cases = [
    [KEY, KEY, true],
    [KEY, 'changes.project.5.tasks.task', false],
    ['changes.project.5.userstories.*', KEY, true],
    ['changes.project.5.userstories.*', 'changes.project.5.userstories', false],
    ['changes.project.*.tasks.task', 'changes.project.9.tasks.task', true],
    ['changes.project.*.tasks.task', 'changes.project.9.1.tasks.task', false],
    ['changes.project.#', 'changes.project.5.tasks.task', true],
    ['changes.project.#', 'changes.project', true],
    ['changes.#', 'changes.project.5.wiki.wiki_page', true],
    ['#', 'notifications', true],
    ['#.task', 'changes.project.5.tasks.task', true],
    ['changes.#.task', 'changes.project.5.tasks.tasks', false],
    ['web_notifications.*', 'web_notifications.42', true],
    ['web_notifications.*', 'web_notifications', false],
    ['*', 'notifications', true],
    ['*', 'web_notifications.42', false],
    ['#.#', 'a', true],
    ['a.#.#.b', 'a.b', true],
    ['a.*.#', 'a', false],
  ];
  for (const [pattern, key, expected] of cases) {
    assert.equal(matches(pattern, key), expected, `${pattern} vs ${key}`);
  }
});

/** Straightforward recursive definition, to compare against. */
function reference(pattern, key) {
  if (pattern.length === 0) return key.length === 0;
  const [head, ...rest] = pattern;
  if (head === '#') return key.some((_, i) => reference(rest, key.slice(i))) || reference(rest, []);
  if (key.length === 0) return false;
  return (head === '*' || head === key[0]) && reference(rest, key.slice(1));
}

test('matching agrees with the recursive definition on every small case', () => {
  const words = ['a', 'b', '*', '#'];
  const all = (length) =>
    length === 0 ? [[]] : all(length - 1).flatMap((prefix) => words.map((w) => [...prefix, w]));
  const patterns = [1, 2, 3, 4].flatMap(all);
  const keys = [1, 2, 3, 4].flatMap(all).filter((key) => !key.includes('*') && !key.includes('#'));
  for (const pattern of patterns) {
    for (const key of keys) {
      assert.equal(matches(pattern.join('.'), key.join('.')), reference(pattern, key));
    }
  }
});

test('changes.project.{id}.* means every change of that project, as the gateway reads it', () => {
  assert.equal(normalizePattern('changes.project.5.*'), 'changes.project.5.#');
  const project = patternMatcher('changes.project.5.*');
  assert.ok(project(KEY));
  assert.ok(project('changes.project.5.projects.swimlaneuserstorystatus'));
  assert.ok(!project('changes.project.55.userstories.userstory'));
  for (const pattern of ['changes.project.5.userstories.*', 'changes.project.*', 'changes.*']) {
    assert.equal(normalizePattern(pattern), pattern);
  }
  assert.ok(!patternMatcher('changes.project.*')('changes.project.5.tasks.task'));
});

test('changes.project.{id}.{app} also receives five-word keys, as the gateway reads it', () => {
  const app = 'changes.project.5.userstories';
  assert.equal(normalizePattern(app), 'changes.project.5.userstories.#');
  const stories = patternMatcher(app);
  assert.ok(stories(KEY));
  assert.ok(stories('changes.project.5.userstories'));
  assert.ok(!stories('changes.project.5.tasks.task'));
  assert.ok(!stories('changes.project.6.userstories.userstory'));
  for (const pattern of ['changes.project.x.userstories', KEY]) {
    assert.equal(normalizePattern(pattern), pattern);
  }
});

'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { TodoStore } = require('../src/store');
const { formatTodo } = require('../src/format');

test('add and complete', () => {
  const store = new TodoStore();
  const todo = store.add(' buy milk ');
  assert.equal(todo.title, 'buy milk');
  store.complete(todo.id);
  assert.equal(formatTodo(todo), '[x] buy milk');
  assert.deepEqual(store.open(), []);
});

test('tags are normalised', () => {
  const store = new TodoStore();
  const todo = store.add('call bank', { tags: [' Home', 'ERRAND', 'home', ''] });
  assert.deepEqual(todo.tags, ['home', 'errand']);
  assert.deepEqual(store.add('plain').tags, []);
});

test('byTag', () => {
  const store = new TodoStore();
  store.add('a', { tags: ['work'] });
  store.add('b', { tags: ['home'] });
  store.add('c', { tags: ['Work', 'home'] });
  assert.deepEqual(store.byTag('WORK').map((t) => t.title), ['a', 'c']);
});

'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { TodoStore } = require('../src/store');
const { formatTodo, formatList } = require('../src/format');

test('format shows tags', () => {
  const store = new TodoStore();
  const todo = store.add('buy milk', { tags: ['Home', 'errand'] });
  assert.equal(formatTodo(todo), '[ ] buy milk #home #errand');
});

test('format without tags is unchanged', () => {
  const store = new TodoStore();
  store.add('plain');
  assert.equal(formatList(store.todos), '[ ] plain');
});

test('byTag unknown tag is empty', () => {
  const store = new TodoStore();
  store.add('a', { tags: ['x'] });
  assert.deepEqual(store.byTag('nope'), []);
});

'use strict';

function formatTodo(todo) {
  return `[${todo.done ? 'x' : ' '}] ${todo.title}`;
}

function formatList(todos) {
  return todos.map(formatTodo).join('\n');
}

module.exports = { formatTodo, formatList };

'use strict';

class TodoStore {
  constructor() {
    this.todos = [];
    this.nextId = 1;
  }

  add(title) {
    const todo = { id: this.nextId++, title: String(title).trim(), done: false };
    this.todos.push(todo);
    return todo;
  }

  complete(id) {
    const todo = this.todos.find((t) => t.id === id);
    if (!todo) throw new Error(`no todo ${id}`);
    todo.done = true;
    return todo;
  }

  open() {
    return this.todos.filter((t) => !t.done);
  }
}

module.exports = { TodoStore };

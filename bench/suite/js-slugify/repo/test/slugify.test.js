'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { slugify } = require('../src/slugify');

test('lower-cases words', () => {
  assert.equal(slugify('Hello'), 'hello');
});

test('single dashes, none at the ends', () => {
  assert.equal(slugify('Hello, World!'), 'hello-world');
});

'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { toCents, formatCents } = require('../src/money');
const { Cart } = require('../src/cart');
const { invoice } = require('../src/invoice');

test('toCents', () => {
  assert.equal(toCents('19.99'), 1999);
  assert.equal(toCents('5'), 500);
  assert.equal(toCents('0.5'), 50);
  for (const bad of ['', 'abc', '1.999', '-1', '1e3', '1.']) {
    assert.throws(() => toCents(bad), undefined, bad);
  }
});

test('formatCents', () => {
  assert.equal(formatCents(1999), '19.99');
  assert.equal(formatCents(5), '0.05');
  assert.equal(formatCents(0), '0.00');
});

test('large quantities stay exact', () => {
  const cart = new Cart();
  cart.add('bolt', '0.07', 1000);
  assert.equal(cart.subtotal(), 7000);
  assert.equal(invoice(cart, 0.2), '1000 x bolt 70.00\nsubtotal 70.00\ntax 14.00\ntotal 84.00');
});

test('tax rounds to the nearest cent, not up', () => {
  const cart = new Cart();
  cart.add('pen', '10.01', 1);
  assert.equal(invoice(cart, 0.1), '1 x pen 10.01\nsubtotal 10.01\ntax 1.00\ntotal 11.01');
});

'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Cart } = require('../src/cart');
const { invoice } = require('../src/invoice');

test('cents add up exactly', () => {
  const cart = new Cart();
  cart.add('a', '0.10');
  cart.add('b', '0.20');
  assert.equal(cart.subtotal(), 30);
  assert.equal(invoice(cart, 0), '1 x a 0.10\n1 x b 0.20\nsubtotal 0.30\ntax 0.00\ntotal 0.30');
});

test('tax rounds half up to the cent', () => {
  const cart = new Cart();
  cart.add('book', '10.05', 1);
  assert.equal(invoice(cart, 0.1), '1 x book 10.05\nsubtotal 10.05\ntax 1.01\ntotal 11.06');
});

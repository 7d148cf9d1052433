'use strict';

function invoice(cart, taxRate) {
  const subtotal = cart.subtotal();
  const tax = subtotal * taxRate;
  const rows = cart.lines.map((line) => `${line.qty} x ${line.name} ${line.price * line.qty}`);
  rows.push(`subtotal ${subtotal}`);
  rows.push(`tax ${tax}`);
  rows.push(`total ${subtotal + tax}`);
  return rows.join('\n');
}

module.exports = { invoice };

'use strict';

class Cart {
  constructor() {
    this.lines = [];
  }

  add(name, priceText, qty = 1) {
    this.lines.push({ name, price: parseFloat(priceText), qty });
  }

  subtotal() {
    return this.lines.reduce((sum, line) => sum + line.price * line.qty, 0);
  }
}

module.exports = { Cart };

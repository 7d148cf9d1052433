'use strict';

/** A URL slug: lower case letters and digits separated by single dashes. */
function slugify(text) {
  return String(text).toLowerCase().replace(/[^a-z0-9]/g, '-');
}

module.exports = { slugify };

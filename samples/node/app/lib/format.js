'use strict';
// Loaded with require() on first use of /api/hash, like a lazily required module.
module.exports = function formatDigest(algorithm, hex) {
  return { algorithm, digest: hex, length: hex.length / 2 };
};

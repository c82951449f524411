const os = require('os');
const util = require('util');
exports.build = (n) => ({ n: Number(n), squares: Array.from({ length: Number(n) }, (_, i) => i * i), eol: JSON.stringify(os.EOL), fmt: util.format('%s=%d', 'x', 42) });

'use strict';
// Express 4 with EJS views: express requires the view engine lazily on the first res.render, and
// each API route requires its module on first use.
const express = require('express');
const path = require('path');
const app = express();
app.set('views', path.join(__dirname, 'views'));
app.set('view engine', 'ejs');
app.use(express.static(path.join(__dirname, 'public')));
app.get('/', (req, res) => res.render('index', { title: 'express', items: ['a', 'b', 'c'] }));
app.get('/api/report', (req, res) => res.json(require('./lib/report').build(req.query.n || 3)));
app.get('/api/hash', (req, res) => res.type('text').send(require('crypto').createHash('sha256').update('pare').digest('hex')));
app.get('/api/zip', (req, res) => res.type('text').send(require('zlib').gzipSync('hello hello').length > 0 ? 'gz ok' : 'gz bad'));
app.get('/api/intl', (req, res) => res.type('text').send(new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(1234.5) + ' ' +
	new Date(Date.UTC(2024, 2, 1)).toLocaleDateString('fr-FR', { weekday: 'long', timeZone: 'Europe/Paris' })));
app.post('/api/echo', express.json(), (req, res) => res.json({ got: req.body }));
app.use((req, res) => res.status(404).type('text').send('not found'));
const server = app.listen(3000, () => console.log('listening on 3000'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

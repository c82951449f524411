<?php
$p = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
header('Content-Type: application/json');
if ($p === '/') { echo json_encode(['ok' => true, 'php' => PHP_MAJOR_VERSION]); }
elseif ($p === '/tz') { date_default_timezone_set('Europe/Paris'); echo json_encode(['t' => date('c T', 1720000000), 'zones' => count(DateTimeZone::listIdentifiers()) > 300]); }
elseif ($p === '/hash') { echo json_encode(['s' => hash('sha256', 'pare'), 'c' => crc32('x'), 'r' => strlen(random_bytes(8))]); }
elseif ($p === '/inc') { require __DIR__ . '/../lib/helper.php'; echo json_encode(['h' => helper()]); }
else { http_response_code(404); echo json_encode(['error' => 'nf']); }

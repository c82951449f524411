<?php
require_once __DIR__ . '/../lib/bootstrap.php';
$view = preg_replace('/[^a-z]/', '', $_GET['view'] ?? '');
// The view file is included by name: only requests for it load it.
if (!is_file(__DIR__ . "/../lib/views/$view.php")) { http_response_code(404); echo "no view\n"; exit; }
include "views/$view.php";

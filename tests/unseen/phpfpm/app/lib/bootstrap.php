<?php
set_include_path(__DIR__ . PATH_SEPARATOR . get_include_path());
require_once 'util.php';
$GLOBALS['plugins'] = [];
foreach (glob(__DIR__ . '/../plugins/*.php') as $f) {
	require $f;
}

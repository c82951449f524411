<?php
require_once __DIR__ . '/../lib/bootstrap.php';
$exts = get_loaded_extensions();
sort($exts);
echo "<html><body><h1>", h(app_name()), "</h1>\n";
echo "<p>extensions: ", h(implode(',', $exts)), "</p>\n";
echo "<p>plugins: ", h(implode(',', array_keys($GLOBALS['plugins']))), "</p>\n";
foreach (['mb', 'intl', 'xml', 'tz', 'iconv', 'json'] as $p) {
	echo "<a href=\"/page.php?view=$p\">$p</a>\n";
}
echo "<a href=\"/style.css\">css</a>\n</body></html>\n";

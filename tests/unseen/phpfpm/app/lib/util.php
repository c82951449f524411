<?php
function h($s) { return htmlspecialchars($s, ENT_QUOTES, 'UTF-8'); }
function app_name() { return 'php-fpm behind nginx'; }

<?php
$GLOBALS['plugins']['beta'] = function ($s) { return str_rot13($s); };

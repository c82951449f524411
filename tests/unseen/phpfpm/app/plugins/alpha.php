<?php
$GLOBALS['plugins']['alpha'] = function ($s) { return strrev($s); };

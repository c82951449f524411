<?php
echo mb_strtoupper("grüße aus köln"), " ", mb_strlen("日本語テキスト"), " ", mb_convert_encoding("é", "UTF-16BE", "UTF-8") === "\x00\xe9" ? "utf16 ok" : "utf16 bad", "\n";
echo $GLOBALS['plugins']['alpha']('abc'), $GLOBALS['plugins']['beta']('abc'), "\n";

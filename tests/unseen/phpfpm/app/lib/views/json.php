<?php
echo json_encode(['a' => 1, 'b' => [true, null], 'c' => 'ü'], JSON_UNESCAPED_UNICODE), "\n";
echo hash('sha256', 'abc'), ' ', crc32('abc'), ' ', strlen(random_bytes(4)), "\n";

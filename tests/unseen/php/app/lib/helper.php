<?php function helper() { return strtoupper(gethostbyname("localhost")); }

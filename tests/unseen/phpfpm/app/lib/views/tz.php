<?php
foreach (['Europe/Berlin', 'America/New_York', 'Asia/Kolkata'] as $z) {
	$d = new DateTime('2021-07-01 12:00:00', new DateTimeZone('UTC'));
	$d->setTimezone(new DateTimeZone($z));
	echo $z, ' ', $d->format('c T'), "\n";
}

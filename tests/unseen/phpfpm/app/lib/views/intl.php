<?php
$f = new NumberFormatter('de_DE', NumberFormatter::CURRENCY);
echo $f->formatCurrency(1234567.891, 'EUR'), "\n";
echo Normalizer::normalize("e\u{0301}", Normalizer::FORM_C) === "\u{e9}" ? "nfc ok\n" : "nfc bad\n";
$c = new Collator('sv_SE'); $a = ['ö', 'z', 'a', 'å']; $c->sort($a); echo implode(',', $a), "\n";
echo IntlDateFormatter::formatObject(new DateTime('2020-03-01 12:00:00', new DateTimeZone('UTC')), 'EEEE d MMMM y', 'fr_FR'), "\n";
echo transliterator_transliterate('Any-Latin; Latin-ASCII', 'Привет мир'), "\n";

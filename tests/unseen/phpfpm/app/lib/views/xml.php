<?php
$d = new DOMDocument();
$d->loadXML('<r><i n="1">one</i><i n="2">two</i></r>');
$x = new DOMXPath($d);
foreach ($x->query('//i[@n="2"]') as $n) echo $n->textContent, "\n";
$s = simplexml_load_string('<a><b>c</b></a>');
echo $s->b, "\n";
$w = new XMLWriter(); $w->openMemory(); $w->startElement('z'); $w->text('&'); $w->endElement(); echo $w->outputMemory(), "\n";

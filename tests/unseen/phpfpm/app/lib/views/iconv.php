<?php
echo bin2hex(iconv('UTF-8', 'ISO-8859-1', 'é')), ' ', bin2hex(iconv('UTF-8', 'CP1252', '€')), ' ', iconv('UTF-8', 'ASCII//TRANSLIT', 'Ærøskøbing'), "\n";

#!/usr/bin/perl
use strict;
use warnings;
use POSIX qw(strftime);
use Digest::MD5 qw(md5_hex);
my %q = map { split /=/, $_, 2 } split /&/, ($ENV{QUERY_STRING} // '');
print "Content-Type: text/plain\r\n\r\n";
print "hello ", ($q{name} // 'world'), "\n";
print strftime("%Y-%m-%d", gmtime(1700000000)), " ", md5_hex("pare"), "\n";

#!/usr/bin/env perl
use strict; use warnings;
use HTTP::Daemon; use HTTP::Status; use HTTP::Response;
my $d = HTTP::Daemon->new(LocalAddr => '0.0.0.0', LocalPort => 8081, ReuseAddr => 1) or die "listen: $!";
$| = 1;
while (my $c = $d->accept) {
  while (my $r = $c->get_request) {
    my $p = $r->uri->path; my $body;
    if ($p eq '/') { $body = '{"ok":1}'; }
    elsif ($p eq '/json') { require JSON::PP; $body = JSON::PP->new->canonical->encode({a => [1,2], s => "x"}); }
    elsif ($p eq '/digest') { require Digest::SHA; require MIME::Base64; $body = Digest::SHA::sha256_hex("pare") . " " . MIME::Base64::encode_base64("hi", ""); }
    elsif ($p eq '/time') { require POSIX; $ENV{TZ} = 'Asia/Kolkata'; POSIX::tzset(); $body = POSIX::strftime("%Y-%m-%d %H:%M %Z", localtime(1720000000)); }
    elsif ($p eq '/enc') { require Encode; $body = length(Encode::encode('UTF-16LE', "abc")) . " " . Encode::decode('iso-8859-1', "\xe9") ; utf8::encode($body); }
    elsif ($p eq '/dec') { require Encode; my $cs = $r->uri->query // 'utf-8'; my $e = Encode::find_encoding($cs); $body = $e ? $e->decode("\x8a\xbf\x8e\x9a") : "unknown $cs"; utf8::encode($body); }
    else { $c->send_error(RC_NOT_FOUND); next; }
    my $res = HTTP::Response->new(200); $res->content($body); $c->send_response($res);
  }
  $c->close;
}

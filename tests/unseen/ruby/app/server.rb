#!/usr/bin/env ruby
# WEBrick JSON API; each endpoint requires its library lazily, as Rails-less apps often do.
require 'webrick'

server = WEBrick::HTTPServer.new(Port: 4567, BindAddress: '0.0.0.0', AccessLog: [],
                                 Logger: WEBrick::Log.new($stderr, WEBrick::Log::WARN))
def text(res, body)
  res['Content-Type'] = 'text/plain; charset=utf-8'
  res.body = body
end
server.mount_proc('/') { |req, res| req.path == '/' ? text(res, "ruby #{RUBY_VERSION}\n") : (res.status = 404; text(res, "no\n")) }
server.mount_proc('/json') { |_, res| require 'json'; text(res, JSON.generate({ 'a' => [1, 2, { 'b' => nil }] }) + "\n") }
server.mount_proc('/yaml') { |_, res| require 'yaml'; text(res, YAML.dump({ 'k' => [1, 'two'] })) }
server.mount_proc('/digest') { |_, res| require 'digest'; require 'openssl'; text(res, Digest::SHA256.hexdigest('pare') + ' ' + OpenSSL::HMAC.hexdigest('SHA256', 'k', 'v') + "\n") }
server.mount_proc('/time') { |_, res| require 'time'; ENV['TZ'] = 'Europe/Paris'; text(res, Time.at(1_700_000_000).localtime.iso8601 + ' ' + Time.parse('2024-02-29 10:00 UTC').httpdate + "\n") }
server.mount_proc('/erb') { |_, res| require 'erb'; text(res, ERB.new("<%= [1,2,3].sum %> items\n").result(binding)) }
server.mount_proc('/zlib') { |_, res| require 'zlib'; require 'base64'; text(res, Zlib.crc32('pare').to_s + ' ' + Base64.strict_encode64(Zlib::Inflate.inflate(Zlib::Deflate.deflate('hi'))) + "\n") }
server.mount_proc('/sh') { |_, res| text(res, `echo hi | tr a-z A-Z`) }
server.mount_proc('/bigdecimal') { |_, res| require 'bigdecimal'; require 'bigdecimal/util'; text(res, (BigDecimal('1.1') * 3).to_s('F') + "\n") }
trap('TERM') { server.shutdown }
server.start

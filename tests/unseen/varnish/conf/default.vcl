vcl 4.1;

import std;

backend web {
	.host = "127.0.0.1";
	.port = "8080";
}

acl purgers {
	"127.0.0.1";
	"0.0.0.0"/0;
}

sub vcl_recv {
	if (req.method == "PURGE") {
		if (client.ip !~ purgers) {
			return (synth(405, "Not allowed"));
		}
		return (purge);
	}
	if (req.url ~ "^/hello") {
		return (synth(700, "Hello"));
	}
	if (req.url ~ "^/private/") {
		return (synth(403, "Forbidden"));
	}
	if (req.url ~ "^/nocache/") {
		return (pass);
	}
	set req.http.X-Lower = std.tolower(req.url);
	unset req.http.Cookie;
}

sub vcl_backend_response {
	set beresp.ttl = 1h;
	set beresp.http.X-Backend = beresp.backend.name;
}

sub vcl_deliver {
	set resp.http.X-Served-By = "pare-varnish";
	if (obj.hits > 0) {
		set resp.http.X-Cache = "HIT";
	} else {
		set resp.http.X-Cache = "MISS";
	}
	unset resp.http.Age;
	unset resp.http.Via;
	unset resp.http.X-Varnish;
}

sub vcl_synth {
	set resp.http.X-Served-By = "pare-varnish";
	if (resp.status == 700) {
		set resp.status = 200;
		set resp.http.Content-Type = "text/plain; charset=utf-8";
		synthetic("hello from varnish, url=" + req.url + "\n");
		return (deliver);
	}
	set resp.http.Content-Type = "text/plain; charset=utf-8";
	synthetic("synthetic " + resp.status + " " + resp.reason + "\n");
	return (deliver);
}

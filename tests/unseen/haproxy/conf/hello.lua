-- A Lua service: answers with the request's method, path and a computed value.
core.register_service("hello", "http", function(applet)
	local n = 0
	for i = 1, 10 do n = n + i * i end
	local body = string.format("hello from lua: %s %s sum=%d\n", applet.method, applet.path, n)
	applet:set_status(200)
	applet:add_header("Content-Type", "text/plain")
	applet:add_header("Content-Length", string.len(body))
	applet:start_response()
	applet:send(body)
end)

-- test_milter.lua - miltertest (OpenDKIM's MTA simulator) against a running
-- route-milter, as an independent client: the recipient edits of a
-- forward and the verdicts of drop and reject.  Run by test_milter.py with
-- -D sock=unix:PATH; prints "ok DESC" / "not ok DESC" lines.

local function check(desc, cond)
	if cond then
		print("ok " .. desc)
	else
		print("not ok " .. desc)
	end
end

local function body()
	local conn = mt.connect(sock, 20, 0.1)
	if conn == nil then
		error("cannot connect to " .. sock)
	end
	-- Offer everything, as Postfix does; defaults for the rest.
	assert(mt.negotiate(conn, nil, nil, nil) == nil)
	check("negotiated ADDRCPT", mt.test_action(conn, SMFIF_ADDRCPT))
	check("negotiated DELRCPT", mt.test_action(conn, SMFIF_DELRCPT))
	assert(mt.conninfo(conn, "client.example", "192.0.2.1") == nil)

	assert(mt.mailfrom(conn, "<sender@example.org>") == nil)
	assert(mt.rcptto(conn, "<bad@example.com>") == nil)
	check("reject rule: reply code at RCPT",
	    mt.getreply(conn) == SMFIR_REPLYCODE)
	assert(mt.rcptto(conn, "<info@example.com>") == nil)
	check("forwarded address accepted at RCPT",
	    mt.getreply(conn) == SMFIR_CONTINUE)
	assert(mt.header(conn, "Subject", "miltertest") == nil)
	assert(mt.eoh(conn) == nil)
	assert(mt.bodystring(conn, "hello\r\n") == nil)
	assert(mt.eom(conn) == nil)
	check("forward: message continues", mt.getreply(conn) == SMFIR_CONTINUE)
	check("forward: <info@example.com> deleted",
	    mt.eom_check(conn, MT_RCPTDELETE, "<info@example.com>"))
	check("forward: <me@example.net> added",
	    mt.eom_check(conn, MT_RCPTADD, "<me@example.net>"))
	check("forward: <you@example.org> added",
	    mt.eom_check(conn, MT_RCPTADD, "<you@example.org>"))

	assert(mt.mailfrom(conn, "<sender@example.org>") == nil)
	assert(mt.rcptto(conn, "<spam@example.com>") == nil)
	assert(mt.eom(conn) == nil)
	check("drop only: message discarded",
	    mt.getreply(conn) == SMFIR_DISCARD)
	mt.disconnect(conn)
end

local ok, err = pcall(body)
if not ok then
	print("not ok script error: " .. tostring(err))
end

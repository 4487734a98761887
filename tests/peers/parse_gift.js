// Parse a GIFT file with gift-pegjs (an independent GIFT grammar) and print its questions as
// JSON: tests/test_interchange_peers.py compares them with what we exported.
const fs = require("fs");
const { parse } = require("gift-pegjs");

process.stdout.write(JSON.stringify(parse(fs.readFileSync(process.argv[2], "utf8"))));

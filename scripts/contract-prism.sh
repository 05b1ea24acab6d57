#!/usr/bin/env bash
# The contract suite's traffic through Stoplight Prism in proxy mode: a second,
# independent validator of requests and responses against the spec. The suite
# fails on any response violation Prism reports (see test/contract/sdk.test.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
upstream=$(free_port)
proxy=$(free_port)
log=$(mktemp)
# The binary itself, not `npx prism`: $! must be Prism's own process for the trap to stop it (npx
# would leave its child running after the script ends).
node_modules/.bin/prism proxy generated/openapi.json "http://127.0.0.1:$upstream" --host 127.0.0.1 --port "$proxy" \
  > "$log" 2>&1 &
prism=$!
trap 'kill $prism 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 60); do
  grep -q "Prism is listening" "$log" && break
  kill -0 $prism 2>/dev/null || { cat "$log"; echo "prism exited" >&2; exit 1; }
  sleep 0.5
done
echo "prism: proxy on :$proxy -> server on :$upstream"
CONTRACT_UPSTREAM_PORT=$upstream CONTRACT_BASE_URL="http://127.0.0.1:$proxy" npx jest test/contract/sdk.test.ts "$@"
echo "prism: $(grep -c 'Request received' "$log") requests validated, $(grep -c 'Violation: response' "$log") response violations, $(grep -c 'Violation: request' "$log") request violations (the suite's bad requests on purpose)"

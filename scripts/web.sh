#!/usr/bin/env bash
# The web console's part of the test command (sourced by scripts/test):
# Node packages installed when missing, the console rebuilt and compared
# with the committed web/dist, its unit tests, and the end-to-end tests in
# Debian's chromium against a real `tritium serve`.

web_log() { echo "web: $*" >&2; }

web_apt() { # package…
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@" >/dev/null ||
		{ $sudo apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@" >/dev/null; }
}

web_deps() {
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		echo "the web console needs Node.js 20 or later and npm (not found)"; return 1
	fi
	local major
	major=$(node -p 'process.versions.node.split(".")[0]')
	if [ "$major" -lt 20 ]; then
		echo "the web console needs Node.js 20 or later (found $(node --version))"; return 1
	fi
	# npm ci when node_modules is missing or older than the lock file.
	if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
		web_log "installing Node packages (npm ci)"
		(cd web && npm ci --no-audit --no-fund --loglevel=error)
	fi
}

# web_build_check rebuilds web/dist and fails when the committed build
# differs: a change to the console's sources must come with its build.
web_build_check() {
	web_deps
	(cd web && npm run --silent build >/tmp/tritium-web-build.log 2>&1) || { cat /tmp/tritium-web-build.log; return 1; }
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		local stale
		stale=$(git status --porcelain -- web/dist)
		if [ -n "$stale" ]; then
			echo "web/dist is stale: rebuild it (npm --prefix web run build) and commit it:"; echo "$stale" | head -20
			return 1
		fi
	else
		web_log "not a git checkout: build not compared"
	fi
}

web_unit() {
	(cd web && npx vitest run --reporter=dot)
}

web_e2e() {
	local chromium=${CHROMIUM:-/usr/bin/chromium}
	if [ ! -x "$chromium" ]; then
		web_log "installing Debian's chromium"
		web_apt chromium
	fi
	# Screenshots of the Chinese pages need a CJK font.
	if command -v fc-list >/dev/null 2>&1 && ! fc-list :lang=zh | grep -q .; then
		web_log "installing a Chinese font (fonts-wqy-microhei)"
		web_apt fonts-wqy-microhei
	fi
	local bin
	bin=$(mktemp -d)/tritium
	go build -o "$bin" ./cmd/tritium
	CHROMIUM="$chromium" node web/e2e/run.mjs "$bin"
	rm -f "$bin"
}

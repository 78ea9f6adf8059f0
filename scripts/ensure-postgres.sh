#!/usr/bin/env bash
# Makes a PostgreSQL server reachable for the tests and exports
# TRITIUM_TEST_POSTGRES. Order: an already set TRITIUM_TEST_POSTGRES; a
# server on 127.0.0.1:5432; else Debian's postgresql, installed if missing
# and started on loopback in a throwaway cluster (as the postgres user when
# run as root: PostgreSQL refuses to run as root).
# Source it: . scripts/ensure-postgres.sh && ensure_postgres

pg_log() { echo "postgres: $*" >&2; }

pg_reachable() { # host port
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

ensure_postgres() {
	if [ -n "${TRITIUM_TEST_POSTGRES:-}" ]; then
		pg_log "using TRITIUM_TEST_POSTGRES"
		return 0
	fi
	if pg_reachable 127.0.0.1 5432; then
		export TRITIUM_TEST_POSTGRES="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
		if command -v psql >/dev/null 2>&1; then
			psql "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable" -tAc "SELECT 1 FROM pg_database WHERE datname='test'" 2>/dev/null | grep -q 1 ||
				psql "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable" -qc "CREATE DATABASE test" >/dev/null 2>&1 || true
		fi
		pg_log "using the server on 127.0.0.1:5432"
		return 0
	fi
	local bindir
	bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$bindir" ]; then
		pg_log "installing Debian's postgresql"
		local sudo=""
		[ "$(id -u)" -ne 0 ] && sudo="sudo"
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q postgresql >/dev/null ||
			{ $sudo apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q postgresql >/dev/null; }
		bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
		[ -n "$bindir" ] || { pg_log "could not install postgresql"; return 1; }
	fi
	local port=55432 dir run=()
	dir=$(mktemp -d /tmp/tritium-pg.XXXXXX)
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$dir"
		run=(runuser -u postgres --)
	fi
	pg_log "starting a cluster in $dir on 127.0.0.1:$port"
	"${run[@]}" "$bindir/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
	"${run[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
		-o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" start >/dev/null
	"${run[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres test
	export TRITIUM_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/test?sslmode=disable"
	export TRITIUM_TEST_POSTGRES_STOP="${run[*]} $bindir/pg_ctl -D $dir/data -m fast stop"
	export TRITIUM_TEST_POSTGRES_DIR="$dir"
}

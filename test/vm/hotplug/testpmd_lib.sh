# SPDX-License-Identifier: BSD-3-Clause
# Sourced after hotplug_lib.sh by the scripts that drive an interactive
# vdk-testpmd (nic_removal.sh, test/soak/soak.sh): commands go in through
# a fifo, and each waits for the next prompt in the output file $out.
# Needs $dir, a folder of the script's.
out=$dir/testpmd.out
sent=0

# testpmd_start TESTPMD ARGS...: start it; true once its first prompt shows.
testpmd_start() {
	trap '' PIPE
	mkfifo "$dir/testpmd.in"
	"$@" <"$dir/testpmd.in" >"$out" 2>&1 &
	pid=$!
	exec 3>"$dir/testpmd.in"
	wait_for 120 prompted 1
}
alive() { kill -0 "$pid" 2>/dev/null; }
prompted() { [ "$(grep -o 'testpmd> ' "$out" | wc -l)" -ge "$1" ] || ! alive; }
cmd() {	# cmd LINE: type LINE, wait for the next prompt
	sent=$((sent + 1))
	echo "$1" >&3
	wait_for 60 prompted $((sent + 1))
}
# rx PORT: RX-packets of PORT in a fresh `show port stats PORT`.
rx() {
	cmd "show port stats $1" >/dev/null
	awk -v port="$1" '
		/NIC statistics for port/ { p = $(NF - 1) }
		p == port && /RX-packets:/ { v = $2 }
		END { print v + 0 }' "$out"
}
# forwards PORT: its RX count grows within 10 s.
forwards() {
	_a=$(rx "$1")
	_end=$(($(date +%s) + 10))
	while [ "$(date +%s)" -lt "$_end" ]; do
		sleep 1
		[ "$(rx "$1")" -gt "$_a" ] && return 0
	done
	return 1
}

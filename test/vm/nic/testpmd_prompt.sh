# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the NIC scripts that drive vdk-testpmd's prompt: start it
# reading a fifo, type one command at a time and wait for the prompt after
# its output, read `show port stats` fields. Needs checks.sh and
# wait_for.sh, and $dir, a scratch folder; sets $pid and $out.

sent=0
out=$dir/out

alive() { kill -0 "$pid" 2>/dev/null; }
# At least N prompts printed (or testpmd gone, which the checks then see).
prompted() { [ "$(grep -o 'testpmd> ' "$out" | wc -l)" -ge "$1" ] || ! alive; }

# tp_start VDK_TESTPMD ARG...: vdk-testpmd interactive, its stdin a fifo on
# fd 3; true once it shows its first prompt.
tp_start() {
	# A testpmd that died fails the checks; writing to it must not kill the script.
	trap '' PIPE
	mkfifo "$dir/in"
	"$@" < "$dir/in" > "$out" 2>&1 &
	pid=$!
	exec 3> "$dir/in"
	wait_for 120 prompted 1
}

# cmd LINE: type LINE and wait for the prompt after its output.
cmd() {
	sent=$((sent + 1))
	echo "$1" >&3
	wait_for 60 prompted $((sent + 1))
}

# tp_quit: type quit, wait for the exit; its status.
tp_quit() {
	echo quit >&3
	exec 3>&-
	wait_for 30 eval '! alive'
	wait "$pid"
}

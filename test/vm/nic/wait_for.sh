# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the NIC scripts: wait for a condition under a deadline, not
# for a fixed time (under TCG on a loaded host, things take what they take).

# wait_for SECONDS COMMAND...: until COMMAND succeeds; false after SECONDS.
wait_for() {
	_wf_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$_wf_end" ] || return 1
		sleep 0.1
	done
}

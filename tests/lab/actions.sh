# drnfs's guarded actions against the real pair (sourced by tests/lab/run). They start
# where the manual failover left the pair: nodeb Primary and serving, nodea Secondary,
# the clients mounted through the VIP.

# refused NODE WHAT CHECK CMD...: the action must be refused (exit 3) naming CHECK, and
# must change nothing.
refused() {
	local node=$1 what=$2 check=$3; shift 3
	local before after out rc=0
	before=$(on "$node" "cat /proc/drbd | sed -n 3p; cat /proc/fs/nfsd/threads")
	out=$(on "$node" "$*" 2>&1) || rc=$?
	after=$(on "$node" "cat /proc/drbd | sed -n 3p; cat /proc/fs/nfsd/threads")
	if ((rc != 3)) || ! grep -q "REFUSED" <<<"$out" || ! grep -Eq "BLOCK +$check " <<<"$out"; then
		log "$what: expected a refusal by $check (exit 3), got exit $rc:"
		printf '%s\n' "$out" | tail -n 30 >&2
		return 1
	fi
	if [[ $(sed 's/ns:.*//' <<<"$before") != $(sed 's/ns:.*//' <<<"$after") ]]; then
		log "$what: the refusal changed the node: $before -> $after"
		return 1
	fi
	log "refused as expected: $what ($check)"
}

scenario_actions_check() {
	# keepalived's check: 0 on the serving node, 1 on the standby.
	local rc=0
	on nodeb 'drnfs check --resource r0' >/dev/null || rc=$?
	((rc == 0)) || { log "drnfs check on the serving nodeb: exit $rc"; return 1; }
	rc=0
	on nodea 'drnfs check --resource r0' >/dev/null || rc=$?
	((rc == 1)) || { log "drnfs check on the standby nodea: exit $rc, expected 1"; return 1; }
	on nodea 'drnfs config check' >/dev/null || return 1
}

scenario_action_refusals() {
	# The peer is Primary: promote refused.
	refused nodea "promote while the peer is Primary" C06 drnfs promote r0 --confirm r0 || return 1
	# Another action in progress holds the lock.
	on nodeb 'systemd-run --unit=holdlock --quiet flock /run/lock/drnfs-r0.lock sleep 120' || return 1
	wait_for nodeb 'flock -n /run/lock/drnfs-r0.lock true; echo "free $?"' '^free 1$' 30 || return 1
	refused nodeb "failover while another action holds the lock" C18 drnfs failover r0 --confirm "'failover r0 to nodea'" || return 1
	on nodeb 'systemctl stop holdlock' || return 1
	# Pacemaker manages the resource.
	on nodeb 'mkdir -p /var/lib/pacemaker/cib && printf "%s\n" "<cib><configuration><resources><primitive id=\"p_drbd_r0\" class=\"ocf\" provider=\"linbit\" type=\"drbd\"><instance_attributes id=\"ia\"><nvpair id=\"nv\" name=\"drbd_resource\" value=\"r0\"/></instance_attributes></primitive></resources></configuration></cib>" >/var/lib/pacemaker/cib/cib.xml' || return 1
	refused nodeb "demote while Pacemaker manages r0" C00 drnfs demote r0 --confirm r0 || return 1
	on nodeb 'rm -rf /var/lib/pacemaker' || return 1
	# The device mounted somewhere else: demote refused.
	on nodeb 'mkdir -p /mnt/extra && mount /dev/drbd0 /mnt/extra' || return 1
	refused nodeb "demote with the device mounted elsewhere" C12 drnfs demote r0 --confirm r0 || return 1
	on nodeb 'umount /mnt/extra' || return 1
	# StandAlone: failover refused.
	on nodea 'drbdadm disconnect r0' || return 1
	wait_for nodeb 'drbdadm cstate r0' 'WFConnection|StandAlone' 30 || return 1
	refused nodeb "failover while not connected" C05 drnfs failover r0 --confirm "'failover r0 to nodea'" || return 1
	# nodea, disconnected by hand, is StandAlone.
	wait_for nodea 'drbdadm cstate r0' '^StandAlone$' 10 || return 1
	refused nodea "promote while StandAlone" C19 drnfs promote r0 --confirm r0 || return 1
	on nodea 'drbdadm connect r0' || return 1
	wait_for nodeb 'echo $(drbdadm cstate r0) $(drbdadm dstate r0)' 'Connected.*UpToDate/UpToDate' 120 || return 1
	# A resync running (nodea invalidated: Inconsistent, receiving): failover and promote refused.
	on nodea 'drbdadm disk-options --resync-rate=1M r0' || return 1
	on nodeb 'drbdadm disk-options --resync-rate=1M r0' || return 1
	on nodea 'drbdadm invalidate r0' || return 1
	wait_for nodea 'drbdadm cstate r0' 'SyncTarget' 30 || return 1
	refused nodeb "failover during a resync" C08 drnfs failover r0 --confirm "'failover r0 to nodea'" || return 1
	refused nodea "promote an Inconsistent node" C04 drnfs promote r0 --confirm r0 || return 1
	for n in nodea nodeb; do on "$n" 'drbdadm disk-options --resync-rate=400M r0' || return 1; done
	wait_for nodea 'echo $(drbdadm cstate r0) $(drbdadm dstate r0)' 'Connected.*UpToDate/UpToDate' 180 || return 1
}

scenario_action_failover() {
	# A planned failover by drnfs, with clients writing all along.
	on nodeb "$LAB/clients load" || return 1
	load_flows || return 1
	on nodeb "drnfs failover r0 --confirm 'failover r0 to nodea'" >"$WORK/failover.out" 2>&1 ||
		{ log "drnfs failover failed:"; tail -n 40 "$WORK/failover.out" >&2; return 1; }
	wait_for nodea 'ip -br addr show br0' "$VIP" 60 || return 1
	wait_for nodeb "ip -br addr show br0 | grep -c $VIP" '^0$' 30 || return 1
	# The clients carry on after the grace period, their data intact.
	on nodeb 'timeout 150 sh -c "echo after-drnfs-failover >/mnt/db1/after-drnfs-failover && cat /mnt/db1/after-drnfs-failover"' >/dev/null || return 1
	on nodeb "$LAB/clients stop-load" || return 1
	on nodeb "$LAB/clients check" || { log "client data check failed after drnfs failover"; return 1; }
	local n
	for n in nodea nodeb; do
		on "$n" 'grep -c "\"action\":\"failover\"" /var/log/drnfs/audit.jsonl' >/dev/null ||
			{ log "$n: no failover in the audit log"; return 1; }
		[[ $(on "$n" 'stat -c %a /var/log/drnfs/audit.jsonl') == 600 ]] || { log "$n: audit log not 0600"; return 1; }
	done
	on nodeb 'tail -n 1 /var/log/drnfs/audit.jsonl' | grep -q '"event":"done"' || { log "nodeb: the audit log does not end with done"; return 1; }
	cp "$WORK/failover.out" "$WORK/captures/failover/drnfs-failover.txt" 2>/dev/null || true
}

scenario_action_rollback() {
	# A process holds the filesystem on the Primary (nodea): the failover stops at the
	# unmount and rolls back; nodea keeps serving.
	on nodea "systemd-run --unit=holder --quiet --working-directory=/srv/nfs/export sleep 600" || return 1
	local rc=0
	on nodea "drnfs failover r0 --confirm 'failover r0 to nodeb'" >"$WORK/rollback.out" 2>&1 || rc=$?
	on nodea 'systemctl stop holder' || true
	((rc == 5)) || { log "expected a rolled-back failover (exit 5), got $rc:"; tail -n 40 "$WORK/rollback.out" >&2; return 1; }
	grep -q "target is busy" "$WORK/rollback.out" || { log "no busy unmount in the output"; return 1; }
	grep -q "sleep" "$WORK/rollback.out" || { log "the holder was not named"; tail -n 30 "$WORK/rollback.out" >&2; return 1; }
	wait_for nodea 'drbdadm role r0' '^Primary/Secondary$' 10 || return 1
	wait_for nodea 'cat /proc/fs/nfsd/threads' '^[1-9]' 30 || return 1
	wait_for nodea 'ip -br addr show br0' "$VIP" 60 || return 1
	on nodea 'tail -n 1 /var/log/drnfs/audit.jsonl' | grep -q '"event":"rolled_back"' || { log "the audit log does not end with rolled_back"; return 1; }
	on nodea 'grep "\"ok\":false" /var/log/drnfs/audit.jsonl | tail -n 1' | grep -q '"exit":32' || { log "the failed umount (exit 32) is not audited"; return 1; }
	on nodeb 'timeout 150 sh -c "echo after-rollback >/mnt/db1/after-rollback"' || { log "clients cannot write after the rollback"; return 1; }
	cp "$WORK/rollback.out" "$WORK/captures/failover/drnfs-failover-rolled-back.txt" 2>/dev/null || true
}

scenario_action_resume() {
	# drnfs killed with SIGKILL in the middle of a failover: the next run refuses, resume
	# rolls back, nodea serves again.
	on nodea "systemd-run --unit=killme --quiet drnfs failover r0 --confirm 'failover r0 to nodeb'" || return 1
	wait_for nodea 'cat /var/lib/drnfs/actions/r0.json 2>/dev/null | tr -d " \n"' '"steps":\["done","done"' 60 || return 1
	on nodea 'systemctl kill -s KILL killme' || return 1
	wait_for nodea 'systemctl is-active killme' '^(inactive|failed)$' 30 || return 1
	on nodea 'systemctl reset-failed killme 2>/dev/null; true' || return 1
	refused nodea "a new action while one was interrupted" C18 drnfs failover r0 --confirm "'failover r0 to nodeb'" || return 1
	on nodea 'drnfs resume r0 --rollback' >"$WORK/resume.out" 2>&1 || { log "resume failed:"; tail -n 30 "$WORK/resume.out" >&2; return 1; }
	wait_for nodea 'cat /proc/fs/nfsd/threads' '^[1-9]' 30 || return 1
	wait_for nodea 'ip -br addr show br0' "$VIP" 60 || return 1
	wait_for nodea 'drbdadm role r0' '^Primary/Secondary$' 10 || return 1
}

scenario_action_split_brain() {
	# A real split brain, then the guided recovery with nodeb as the victim.
	on nodea 'drbdadm disconnect r0' || return 1
	on nodeb 'drbdadm disconnect r0' || return 1
	on nodeb 'drbdadm primary r0 && mount /dev/drbd0 /mnt/sb && echo nodeb-side-2 >/mnt/sb/export/nodeb-side-2 && umount /mnt/sb && drbdadm secondary r0' || return 1
	on nodea 'echo nodea-side-2 >/srv/nfs/export/nodea-side-2 && sync' || return 1
	on nodea 'drbdadm connect r0' || return 1
	on nodeb 'drbdadm connect r0' || return 1
	wait_for nodea 'drbdadm cstate r0' '^StandAlone$' 60 || return 1
	wait_for nodea 'drnfs doctor' 'split brain between nodea' 30 || return 1
	on nodea "drnfs recover-split-brain r0 --victim nodeb --confirm 'discard the changes of nodeb'" >"$WORK/split-brain.out" 2>&1 ||
		{ log "recover-split-brain failed:"; tail -n 30 "$WORK/split-brain.out" >&2; return 1; }
	wait_for nodea 'echo $(drbdadm cstate r0) $(drbdadm dstate r0)' 'Connected.*UpToDate/UpToDate' 120 || return 1
	cp "$WORK/split-brain.out" "$WORK/captures/split-brain/drnfs-recover-split-brain.txt" 2>/dev/null || true
}

scenario_action_takeover() {
	# nodea (Primary) answers: a takeover on nodeb is refused, with or without proof.
	refused nodeb "takeover without proof" C20 drnfs takeover r0 --confirm "'I have fenced nodea'" || return 1
	refused nodeb "takeover while the peer answers" C05 drnfs takeover r0 --peer-dead-proof lab --confirm "'I have fenced nodea'" || return 1
	# nodea drops off the network (its link down: no DRBD, no VRRP, no ssh from nodeb).
	on nodeb "$LAB/clients stop-load; $LAB/clients umount" >/dev/null 2>&1 || true
	on nodea 'ip link set br0 down' || return 1
	wait_for nodeb 'drbdadm cstate r0' 'WFConnection' 60 || return 1
	on nodeb "drnfs takeover r0 --peer-dead-proof 'lab: nodea isolated (its link is down)' --confirm 'I have fenced nodea'" >"$WORK/takeover.out" 2>&1 ||
		{ log "takeover failed:"; tail -n 40 "$WORK/takeover.out" >&2; return 1; }
	wait_for nodeb 'cat /proc/fs/nfsd/threads' '^[1-9]' 30 || return 1
	wait_for nodeb 'ip -br addr show br0' "$VIP" 60 || return 1
	on nodeb 'grep "\"action\":\"takeover\"" /var/log/drnfs/audit.jsonl | grep -q "nodea isolated"' || { log "the proof is not in the audit log"; return 1; }
	wait_for nodeb 'drnfs doctor' 'not connected' 30 || return 1
	cp "$WORK/takeover.out" "$WORK/captures/peer-down/drnfs-takeover.txt" 2>/dev/null || true
}

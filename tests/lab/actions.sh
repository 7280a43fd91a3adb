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
	on nodeb 'install -d -m 0700 /run/drnfs/locks && systemd-run --unit=holdlock --quiet flock /run/drnfs/locks/drnfs-r0.lock sleep 120' || return 1
	wait_for nodeb 'flock -n /run/drnfs/locks/drnfs-r0.lock true; echo "free $?"' '^free 1$' 30 || return 1
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

scenario_action_session_lost() {
	# A planned failover nodea -> nodeb whose ssh session dies right after nodeb's
	# `drbdadm primary`: a drbdadm wrapper on nodeb drops nodeb's link once the promotion
	# is done. nodea cannot know whether nodeb promoted, so it must not promote itself
	# again: it stops with itself Secondary and unmounted (exit 7). Never two Primaries.
	on nodeb "$LAB/clients stop-load" >/dev/null 2>&1 || true
	on nodeb 'mkdir -p /run/drnfs-lab && touch /run/drnfs-lab/drop-after-primary &&
		install -m 0755 /usr/local/lib/drnfs-lab/drbdadm-drop-link /usr/local/sbin/drbdadm' || return 1
	local rc=0
	ON_TIMEOUT=400 on nodea "drnfs failover r0 --confirm 'failover r0 to nodeb'" >"$WORK/session-lost.out" 2>&1 || rc=$?
	on nodeb 'rm -f /usr/local/sbin/drbdadm /run/drnfs-lab/drop-after-primary' || return 1
	((rc == 7)) || { log "expected a safe stop (exit 7), got $rc:"; tail -n 40 "$WORK/session-lost.out" >&2; return 1; }
	grep -q "UNKNOWN: the session to the peer was lost" "$WORK/session-lost.out" || { log "the lost session was not called unknown"; tail -n 30 "$WORK/session-lost.out" >&2; return 1; }
	grep -q "STOPPED SAFE" "$WORK/session-lost.out" || { log "no safe stop in the output"; return 1; }
	# Exactly one Primary: nodeb (promoted before its link dropped); nodea Secondary, unmounted.
	wait_for nodea 'drbdadm role r0' '^Secondary/' 10 || return 1
	wait_for nodea 'mountpoint -q /srv/nfs && echo mounted || echo unmounted' '^unmounted$' 10 || return 1
	wait_for nodeb 'drbdadm role r0' '^Primary/' 10 || return 1
	on nodea 'tail -n 1 /var/log/drnfs/audit.jsonl' | grep -q '"event":"stopped_safe"' || { log "the audit log does not end with stopped_safe"; return 1; }
	# nodea's journal stays open: a new action is refused until resume.
	refused nodea "an action after a safe stop" C18 drnfs promote r0 --confirm r0 || return 1
	# The link comes back; resume finishes the failover on nodeb.
	on nodeb 'ip link set br0 up' || return 1
	wait_for nodea 'drbdadm cstate r0' 'Connected' 120 || return 1
	on nodea 'drnfs resume r0' >"$WORK/session-lost-resume.out" 2>&1 || { log "resume failed:"; tail -n 30 "$WORK/session-lost-resume.out" >&2; return 1; }
	wait_for nodeb 'cat /proc/fs/nfsd/threads' '^[1-9]' 30 || return 1
	wait_for nodeb 'ip -br addr show br0' "$VIP" 60 || return 1
	wait_for nodea 'echo $(drbdadm role r0) $(drbdadm dstate r0)' 'Secondary/Primary UpToDate/UpToDate' 120 || return 1
	on nodeb "$LAB/clients check" || { log "client data check failed after the resumed failover"; return 1; }
	cp "$WORK/session-lost.out" "$WORK/session-lost-resume.out" "$WORK/captures/failover/" 2>/dev/null || true
}

scenario_action_split_brain() {
	# A real split brain, compared side by side, then the guided recovery. nodeb serves
	# (the session-lost scenario left it Primary); nodea is made to write while apart.
	on nodeb 'drbdadm disconnect r0' || return 1
	on nodea 'drbdadm disconnect r0' || return 1
	on nodea 'drbdadm primary r0 && mkdir -p /mnt/sb && mount /dev/drbd0 /mnt/sb && echo nodea-side-2 >/mnt/sb/export/nodea-side-2 && umount /mnt/sb && drbdadm secondary r0' || return 1
	on nodeb 'echo nodeb-side-2 >/srv/nfs/export/nodeb-side-2 && sync' || return 1
	on nodeb 'drbdadm connect r0' || return 1
	on nodea 'drbdadm connect r0' || return 1
	wait_for nodeb 'drbdadm cstate r0' '^StandAlone$' 60 || return 1
	wait_for nodeb 'drnfs doctor' 'split brain between nodeb' 30 || return 1
	# Without a victim: both sides compared, a recommendation (nodeb serves, nodea does not).
	local rc=0
	on nodeb 'drnfs recover-split-brain r0 --dry-run' >"$WORK/split-brain-compare.out" 2>&1 || rc=$?
	((rc == 0)) || { log "the comparison dry run exited $rc:"; cat "$WORK/split-brain-compare.out" >&2; return 1; }
	grep -q "Both sides since the split" "$WORK/split-brain-compare.out" || { log "no comparison"; cat "$WORK/split-brain-compare.out" >&2; return 1; }
	grep -Eq "blocks changed while apart +[0-9]+ \([0-9]+ KiB\) +[0-9]+ \([0-9]+ KiB\)" "$WORK/split-brain-compare.out" || { log "the blocks each side changed are not shown"; cat "$WORK/split-brain-compare.out" >&2; return 1; }
	grep -q "Recommended victim: nodea" "$WORK/split-brain-compare.out" || { log "nodea (not serving) not recommended as the victim"; cat "$WORK/split-brain-compare.out" >&2; return 1; }
	grep -q "nodeb-side-2" "$WORK/split-brain-compare.out" && { log "a victim's file list shown without a victim"; return 1; }
	on nodeb "drnfs recover-split-brain r0 --victim nodea --confirm 'discard the changes of nodea'" >"$WORK/split-brain.out" 2>&1 ||
		{ log "recover-split-brain failed:"; tail -n 30 "$WORK/split-brain.out" >&2; return 1; }
	grep -q "nodea LOSES every change it made since the split" "$WORK/split-brain.out" || { log "the victim's losses were not shown"; cat "$WORK/split-brain.out" >&2; return 1; }
	wait_for nodeb 'echo $(drbdadm cstate r0) $(drbdadm dstate r0)' 'Connected.*UpToDate/UpToDate' 120 || return 1
	on nodeb 'test -e /srv/nfs/export/nodeb-side-2' || { log "the survivor lost its own change"; return 1; }
	cp "$WORK/split-brain-compare.out" "$WORK/split-brain.out" "$WORK/captures/split-brain/" 2>/dev/null || true
}

scenario_action_takeover_alive() {
	# nodeb serves; nodea, disconnected from it, still answers: no takeover on nodea, with
	# or without drnfs there to answer, whatever it is asked.
	on nodea 'drbdadm disconnect r0' || return 1
	wait_for nodea 'drbdadm cstate r0' '^StandAlone$' 30 || return 1
	refused nodea "takeover while the peer answers over ssh" C20 drnfs takeover r0 --confirm "'take over r0 from nodeb'" || return 1
	on nodeb 'mv /usr/local/bin/drnfs /usr/local/bin/drnfs.away' || return 1
	local out rc=0
	out=$(on nodea "drnfs takeover r0 --dry-run" 2>&1) || rc=$?
	on nodeb 'mv /usr/local/bin/drnfs.away /usr/local/bin/drnfs' || return 1
	((rc == 3)) || { log "takeover dry run with drnfs missing on the peer: exit $rc"; printf '%s\n' "$out" >&2; return 1; }
	grep -q "drnfs is missing there (exit 127)" <<<"$out" || { log "ssh exit 127 not read as alive"; printf '%s\n' "$out" >&2; return 1; }
	grep -q "a host still answers ARP" <<<"$out" || { log "the VIP answering ARP was not seen"; printf '%s\n' "$out" >&2; return 1; }
	on nodea 'drbdadm connect r0' || return 1
	wait_for nodeb 'echo $(drbdadm cstate r0) $(drbdadm dstate r0)' 'Connected.*UpToDate/UpToDate' 120 || return 1
}

scenario_action_takeover_partition() {
	# nodeb (Primary, serving) drops off the network while alive. nodea cannot reach it on
	# any path, but nothing proves nodeb cannot write: refused, every path shown.
	# The clients move to nodea first (the fenced takeover powers nodeb off), writing.
	on nodeb "$LAB/clients stop-load; $LAB/clients teardown" || return 1
	on nodea "$LAB/clients setup && $LAB/clients mount && $LAB/clients load" || return 1
	load_flows nodea || return 1
	on nodeb 'ip link set br0 down' || return 1
	wait_for nodea 'drbdadm cstate r0' 'WFConnection' 60 || return 1
	local out
	out=$(refused nodea "takeover of a partitioned peer without a fence" C22 drnfs takeover r0 --confirm "'take over r0 from nodeb'" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
	out=$(on nodea "drnfs takeover r0 --dry-run" 2>&1) || true
	for path in "silent on ssh nodeb" "silent on DRBD replication address 10.50.0.2:7789" "silent on ARP for 10.50.0.100"; do
		grep -Eq "PASS +C21 .*$path" <<<"$out" || { log "probe '$path' not shown as silent"; printf '%s\n' "$out" >&2; return 1; }
	done
	grep -q "unreachable is not dead" <<<"$out" || { log "the refusal does not say why"; printf '%s\n' "$out" >&2; return 1; }
	printf '%s\n' "$out" >"$WORK/takeover-refused.out"
}

scenario_action_takeover_fenced() {
	# The same partition with the lab's fence configured on nodea: nodeb is powered off
	# through its qemu monitor first, stays silent, then nodea serves; the clients resume.
	collect_streams nodeb || { log "cannot collect nodeb's streams before fencing it"; return 1; }
	on nodea "printf '\n[fence]\ncommand = [\"/usr/local/lib/drnfs-lab/fence-peer\", \"nodeb\"]\nsilent_for_s = 5\n' >>/etc/drnfs.toml && drnfs config check" >/dev/null || return 1
	on nodea "drnfs takeover r0 --confirm 'take over r0 from nodeb'" >"$WORK/takeover.out" 2>&1 ||
		{ log "the fenced takeover failed:"; tail -n 40 "$WORK/takeover.out" >&2; return 1; }
	kill -0 "$(cat "$WORK/qemu-nodeb.pid")" 2>/dev/null && { log "nodeb still runs after the fence"; return 1; }
	grep -q "fence nodeb" "$WORK/takeover.out" || { log "no fence step in the output"; return 1; }
	wait_for nodea 'cat /proc/fs/nfsd/threads' '^[1-9]' 30 || return 1
	wait_for nodea 'ip -br addr show br0' "$VIP" 60 || return 1
	on nodea 'grep "\"action\":\"takeover\"" /var/log/drnfs/audit.jsonl | grep "fence-peer" | grep -q "\"ok\":true"' || { log "the fence is not in the audit log"; return 1; }
	wait_for nodea 'drnfs doctor' 'peer not connected' 30 || return 1
	# The clients, cut off while nodeb was partitioned, carry on with nodea, data intact.
	load_flows nodea || return 1
	on nodea "$LAB/clients stop-load" || return 1
	on nodea "$LAB/clients check" || { log "client data check failed after the fenced takeover"; return 1; }
	cp "$WORK/takeover.out" "$WORK/takeover-refused.out" "$WORK/captures/peer-down/" 2>/dev/null || true
}

# Real states for drnfs's findings (sourced by tests/lab/run). Each block puts the pair
# in a state an operator meets — by the same mistakes and commands that cause it in
# production — captures it, and puts things back. tests/lab_findings.rs then replays each
# node's recording up to every capture and checks which findings drnfs raises there.
#
# Starts where the manual failover left the pair: nodeb Primary and serving, nodea
# Secondary, the clients mounted through the VIP (on nodeb).

# background NODE UNIT COMMAND: a transient unit running COMMAND until stopped.
background() {
	on "$1" "systemd-run --unit=$2 --quiet sh -c '$3'"
}

scenario_rule_states() {
	# nfsd started by hand on the Secondary.
	on nodea 'systemctl start nfs-server' || return 1
	wait_for nodea 'cat /proc/fs/nfsd/threads' '^[1-9]' 30 || return 1
	finding nodea role.nfsd-on-secondary 30 || return 1
	capture nfsd-on-secondary nodea || return 1
	on nodea "$LAB/nfs-stop" || return 1

	# A forgotten keepalived hold on the serving node: the VIP goes to the Secondary.
	on nodeb 'echo 1 >/run/drnfs/r0.hold' || return 1
	wait_for nodea 'ip -br addr show br0' "$VIP" 30 || return 1
	finding nodea role.vip-on-secondary 30 || return 1
	finding nodeb role.primary-without-vip 30 || return 1
	capture vip-on-secondary nodea nodeb || return 1
	on nodeb 'echo 0 >/run/drnfs/r0.hold' || return 1
	wait_for nodeb 'ip -br addr show br0' "$VIP" 30 || return 1

	# Both nodes Primary: allow-two-primaries switched on at run time and nodea promoted
	# (nothing mounted there).
	for n in nodea nodeb; do on "$n" 'drbdadm net-options --allow-two-primaries=yes r0' || return 1; done
	on nodea 'drbdadm primary r0' || return 1
	wait_for nodeb 'drbdadm role r0' '^Primary/Primary$' 10 || return 1
	finding nodeb drbd.two-primaries 30 || return 1
	capture two-primaries nodea nodeb || return 1
	on nodea 'drbdadm secondary r0' || return 1
	for n in nodea nodeb; do on "$n" 'drbdadm net-options --allow-two-primaries=no r0' || return 1; done

	# A risky resource file, edited but not applied: protocol A, allow-two-primaries, and
	# (the one good change) fencing resource-only.
	on nodeb 'cp /etc/drbd.d/r0.res /root/r0.res.orig &&
		sed -i -e "s/protocol C;/protocol A;/" \
			-e "s/^\tnet {/\tnet {\n\t\tallow-two-primaries yes;/" \
			-e "s/^\tdisk {/\tdisk {\n\t\tfencing resource-only;/" /etc/drbd.d/r0.res &&
		drbdadm dump r0 | grep -q "protocol.*A"' || { log "editing r0.res failed"; return 1; }
	# drnfs notices an edited configuration file within seconds: the recorder (whose
	# recording tests/lab_findings.rs replays) says so in its log.
	wait_for nodeb "journalctl -u drnfs-record --since '-30s' -o cat" 'configuration files changed' 30 || return 1
	finding nodeb config.protocol 30 || return 1
	capture risky-config nodeb || return 1
	on nodeb 'cp /root/r0.res.orig /etc/drbd.d/r0.res' || return 1

	# Calls nfsd cannot take: NULL calls for NFS version 5 (RPC PROG_MISMATCH, counted in
	# the rpc line's badcalls), and a client using a directory another client removed
	# (stale file handles).
	background nodeb badcalls 'while :; do rpcinfo -n 2049 -t 10.50.0.100 100003 5 >/dev/null 2>&1; sleep 0.2; done' || return 1
	background nodeb stale 'while :; do mkdir -p /mnt/db1/gone; (cd /mnt/web1/gone && rmdir /mnt/db1/gone && ls . >/dev/null 2>&1); sleep 0.2; done' || return 1
	wait_for nodeb 'awk "/^fh/ {print \$2}" /proc/net/rpc/nfsd' '^[1-9]' 30 || return 1
	finding nodeb nfsd.bad-calls 60 2 || return 1
	finding nodeb nfsd.stale-handles 60 2 || return 1
	capture bad-calls nodeb || return 1
	on nodeb 'systemctl stop badcalls stale' || return 1

	# An export added by hand without fsid=, then everything unexported by mistake.
	on nodeb 'mkdir -p /srv/nfs/export/nofsid && exportfs -o rw,no_subtree_check 10.50.0.0/24:/srv/nfs/export/nofsid' || return 1
	finding nodeb nfsd.export-without-fsid 30 || return 1
	capture export-without-fsid nodeb || return 1
	on nodeb 'exportfs -u 10.50.0.0/24:/srv/nfs/export/nofsid' || return 1
	on nodeb 'exportfs -ua' || return 1
	finding nodeb nfsd.no-exports 30 || return 1
	capture no-exports nodeb || return 1
	on nodeb 'exportfs -ra' || return 1
	wait_for nodeb 'drnfs check --resource r0; echo "exit $?"' '^exit 0$' 30 || return 1

	# nfsd restarted while one NFSv4.2 client (backup1) cannot reach it: the grace period
	# (10 s in the lab's nfs.conf) runs its whole length, waiting for that client to reclaim.
	# (With every client reachable it ends within a second: "all clients done reclaiming".)
	on nodeb 'grep -l backup1 /proc/fs/nfsd/clients/*/info' >/dev/null || { log "backup1 holds no NFSv4 state on nodeb"; return 1; }
	on nodeb 'ip -n backup1 link set eth0 down' || return 1
	on nodeb 'systemctl restart nfs-server' || return 1
	# The grace period lasts 10 s: captured at once (a doctor run would take most of it);
	# the recorder samples every second.
	wait_for nodeb 'cat /proc/fs/nfsd/v4_end_grace' '^N$' 5 || return 1
	capture nfsd-grace nodeb || return 1
	on nodeb 'ip -n backup1 link set eth0 up' || return 1
	wait_for nodeb 'cat /proc/fs/nfsd/v4_end_grace' '^Y$' 60 || return 1

	# The Secondary disconnected and outdated by hand.
	on nodea 'drbdadm disconnect r0 && drbdadm outdate r0' || return 1
	finding nodea drbd.disk-outdated 30 || return 1
	capture outdated nodea || return 1
	on nodea 'drbdadm connect r0' || return 1
	wait_for nodea 'echo $(drbdadm cstate r0) $(drbdadm dstate r0)' 'Connected.*UpToDate/UpToDate' 120 || return 1

	# Blocks that differ under a Connected, UpToDate pair: written behind DRBD's back on
	# the Secondary's backing disk, found by an online verify.
	on nodea 'dd if=/dev/urandom of=/dev/vdb bs=4k count=16 seek=16384 oflag=direct conv=notrunc status=none' || return 1
	on nodeb 'drbdadm verify r0' || return 1
	wait_for nodeb 'cat /proc/drbd' 'cs:Connected' 180 || return 1
	wait_for nodeb 'cat /proc/drbd' 'oos:[1-9]' 10 || return 1
	finding nodeb drbd.out-of-sync 30 || return 1
	capture out-of-sync nodeb || return 1
	# Disconnecting and reconnecting resyncs the blocks verify marked.
	on nodea 'drbdadm disconnect r0 && drbdadm connect r0' || return 1
	wait_for nodeb 'cat /proc/drbd' 'oos:0' 120 || return 1
	wait_for nodea 'echo $(drbdadm cstate r0) $(drbdadm dstate r0)' 'Connected.*UpToDate/UpToDate' 120 || return 1

	# The storage under nfsd stops (fsfreeze, as a snapshot tool does while it runs) while a
	# client writes: every nfsd thread waits in a write, and the client's next writes pile
	# up unread in its socket.
	# (The file exists before the freeze: creating or truncating it would wait too, and
	# the client would never get to send its data.) The client writes steadily first, as a
	# database client does: the kernel sizes a socket's receive buffer by how fast nfsd
	# has been reading it, and db1's connection is new since nfsd restarted above — left
	# at its initial 128 KiB, unread data could never reach 1 MiB (the lab failed so).
	on nodeb 'dd if=/dev/zero of=/mnt/db1/burst bs=1M count=64 conv=fsync status=none && fsfreeze --freeze /srv/nfs' || return 1
	background nodeb burst 'dd if=/dev/zero of=/mnt/db1/burst bs=1M count=48 conv=notrunc 2>/dev/null; rm -f /mnt/db1/burst' || return 1
	# Every connection is printed with its Recv-Q and buffer sizes: a failure shows them.
	# The backlog is the client's, summed over its connections (nconnect), as drnfs's
	# client.queued rule sums it: one connection's receive buffer may stay under 1 MiB
	# (the lab failed so with 853 KiB in one and 125 KiB in each of eight others).
	wait_for nodeb "ss -tnmH '( sport = :2049 )' | awk '{ print } \$1 == \"ESTAB\" { p = \$5; sub(/:[0-9]+\$/, \"\", p); q[p] += \$2 } END { for (p in q) if (q[p] >= 1048576) print \"queued \" p }'" '^queued' 90 || { on nodeb 'fsfreeze --unfreeze /srv/nfs'; return 1; }
	finding nodeb client.queued 60 || { on nodeb 'fsfreeze --unfreeze /srv/nfs'; return 1; }
	capture storage-frozen nodeb || { on nodeb 'fsfreeze --unfreeze /srv/nfs'; return 1; }
	on nodeb 'fsfreeze --unfreeze /srv/nfs' || return 1
	wait_for nodeb 'systemctl is-active burst' '^(inactive|failed)$' 120 || return 1

	# nodea's resource file edited (protocol A) and applied there only: the nodes refuse each
	# other's handshake ("incompatible protocol settings") and stay StandAlone — a reason
	# drnfs does not classify as an administrator's disconnect or a split brain.
	local before attempt refused=0
	before=$(on nodea 'dmesg | grep -c "incompatible protocol" || true')
	on nodea 'cp /etc/drbd.d/r0.res /root/r0.res.orig && sed -i "s/protocol C;/protocol A;/" /etc/drbd.d/r0.res &&
		drbdadm disconnect r0 && drbdadm connect r0' || return 1
	# Both sides check the other's settings; whichever checks first drops the connection,
	# and the other may see only a broken pipe and keep waiting (seen in the lab). Until
	# nodea is the one that refused, nodeb offers the handshake again.
	for attempt in 1 2 3 4 5; do
		if wait_for nodea "[ \$(dmesg | grep -c 'incompatible protocol') -gt $before ] && echo refused" '^refused$' 20 2>/dev/null; then
			refused=1
			break
		fi
		log "attempt $attempt: nodeb refused first; offering the handshake again"
		on nodeb 'drbdadm connect r0 2>/dev/null; true' || return 1
	done
	((refused)) || { log "nodea never logged 'incompatible protocol settings'"; on nodea 'dmesg | tail -n 30' >&2; return 1; }
	wait_for nodea 'drbdadm cstate r0' '^StandAlone$' 30 || return 1
	finding nodea drbd.standalone 30 || return 1
	capture config-mismatch nodea || return 1
	# The same edit applied on nodeb: connected with protocol A.
	on nodeb 'cp /etc/drbd.d/r0.res /root/r0.res.orig && sed -i "s/protocol C;/protocol A;/" /etc/drbd.d/r0.res &&
		{ drbdadm disconnect r0 || true; } && drbdadm connect r0' || return 1
	on nodea 'drbdadm connect r0' || return 1
	wait_for nodea 'echo $(drbdadm cstate r0) $(drbdadm dstate r0)' 'Connected.*UpToDate/UpToDate' 120 || return 1
	wait_for nodea 'cat /proc/drbd' ' A r' 10 || return 1
	finding nodea drbd.protocol 30 || return 1
	capture protocol-a nodea || return 1
	for n in nodea nodeb; do on "$n" 'cp /root/r0.res.orig /etc/drbd.d/r0.res && drbdadm disconnect r0' || return 1; done
	for n in nodeb nodea; do on "$n" 'drbdadm connect r0' || return 1; done
	wait_for nodea 'echo $(drbdadm cstate r0) $(drbdadm dstate r0)' 'Connected.*UpToDate/UpToDate' 120 || return 1
	wait_for nodea 'cat /proc/drbd' ' C r' 10 || return 1

	# The Secondary's data thrown away while it is disconnected (drbdadm invalidate, as
	# before re-seeding a node): Inconsistent, and nothing resyncs it until it reconnects.
	on nodea 'drbdadm disconnect r0 && drbdadm invalidate r0' || return 1
	wait_for nodea 'drbdadm dstate r0' '^Inconsistent/' 10 || return 1
	finding nodea drbd.disk-inconsistent 30 || return 1
	capture inconsistent nodea || return 1
	# Reconnected while nodeb's disk stops answering reads (qemu limits them to 1 byte/s):
	# the resync nodea needs makes no progress for over a minute, with the link up.
	throttle_reads nodeb 1 || return 1
	on nodea 'drbdadm connect r0' || { throttle_reads nodeb 0; return 1; }
	wait_for nodea 'cat /proc/drbd' 'cs:SyncTarget' 60 || { throttle_reads nodeb 0; return 1; }
	# drnfs calls a resync stalled after a minute without progress: the live view says so.
	tui_wait nodea findings 'made no progress' 240 >/dev/null || { throttle_reads nodeb 0; return 1; }
	wait_for nodea 'cat /proc/drbd' 'cs:SyncTarget' 5 || { throttle_reads nodeb 0; return 1; }
	capture resync-stalled nodea || { throttle_reads nodeb 0; return 1; }
	throttle_reads nodeb 0 || return 1
	for n in nodea nodeb; do on "$n" 'drbdadm disk-options --resync-rate=400M r0' || return 1; done
	wait_for nodea 'echo $(drbdadm cstate r0) $(drbdadm dstate r0)' 'Connected.*UpToDate/UpToDate' 240 || return 1
}

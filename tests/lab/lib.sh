# Host-side helpers of the drnfs lab (sourced by tests/lab/run).
# Two Debian VMs under qemu TCG: nodea and nodeb, joined by a qemu socket link on
# 127.0.0.1; the host reaches each over ssh through a loopback-only port forward.

LAB_PORT_BASE=${DRNFS_LAB_PORT_BASE:-22100}

# Moves LAB_PORT_BASE until its ssh and link ports are free on 127.0.0.1 (another lab, or
# a VM left over from a killed run, may hold them).
pick_ports() {
	local try p busy
	for try in $(seq 0 20); do
		busy=0
		for p in $((LAB_PORT_BASE + 1)) $((LAB_PORT_BASE + 2)) $((LAB_PORT_BASE + 11)) $((LAB_PORT_BASE + 12)) \
			$((LAB_PORT_BASE + 50)) $((LAB_PORT_BASE + 60)) $((LAB_PORT_BASE + 99)); do
			if ss -Htln "sport = :$p" | grep -q .; then busy=1; fi
		done
		((busy)) || return 0
		LAB_PORT_BASE=$((LAB_PORT_BASE + 100))
	done
	die "no free ports for the lab near ${DRNFS_LAB_PORT_BASE:-22100}"
}
BOOT_TIMEOUT=${DRNFS_LAB_BOOT_TIMEOUT:-300}

log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

node_index() { case "$1" in nodea) echo 1 ;; nodeb) echo 2 ;; *) die "unknown node $1" ;; esac; }
node_addr() { case "$1" in nodea) echo 10.50.0.1 ;; nodeb) echo 10.50.0.2 ;; esac; }
ssh_port() { echo $((LAB_PORT_BASE + $(node_index "$1"))); }
link_port() { echo $((LAB_PORT_BASE + 99)); }
# Each node's drnfs exporter (port 9942 inside) and the host's Prometheus.
exporter_port() { echo $((LAB_PORT_BASE + 10 + $(node_index "$1"))); }
prom_port() { echo $((LAB_PORT_BASE + 60)); }

ssh_opts() {
	echo -i "$WORK/key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o BatchMode=yes -o ConnectTimeout=10 -o ServerAliveInterval=5 -o ServerAliveCountMax=6
}

# on NODE COMMAND...: run a shell command on a node (every call bounded in time).
on() {
	local node=$1; shift
	# shellcheck disable=SC2046
	timeout "${ON_TIMEOUT:-180}" ssh $(ssh_opts) -p "$(ssh_port "$node")" root@127.0.0.1 "$@"
}

# wait_for NODE COMMAND PATTERN SECONDS: until COMMAND's output matches PATTERN (ERE).
wait_for() {
	local node=$1 cmd=$2 pattern=$3 limit=$4 out=""
	local deadline=$((SECONDS + limit))
	while ((SECONDS < deadline)); do
		out=$(ON_TIMEOUT=30 on "$node" "$cmd" 2>&1 || true)
		if grep -Eq -- "$pattern" <<<"$out"; then
			return 0
		fi
		sleep 1
	done
	log "$node: '$cmd' did not show /$pattern/ within ${limit}s; last output:"
	printf '%s\n' "$out" | tail -n 20 >&2
	return 1
}

make_payload() {
	local node=$1
	local dir="$WORK/payload-$node"
	rm -rf "$dir"; mkdir -p "$dir"
	cp -a "$HERE/payload/." "$dir/"
	mkdir -p "$dir/root/.ssh" "$dir/usr/local/bin"
	# The host's key, and one key both nodes share to reach each other (drnfs actions).
	[[ -f "$WORK/nodekey" ]] || ssh-keygen -q -t ed25519 -N "" -C drnfs-lab-nodes -f "$WORK/nodekey"
	cat "$WORK/key.pub" "$WORK/nodekey.pub" >"$dir/root/.ssh/authorized_keys"
	install -m 0600 "$WORK/nodekey" "$dir/root/.ssh/id_ed25519"
	install -m 0755 "$DRNFS_BIN" "$dir/usr/local/bin/drnfs"
	# The host's power switch for the fenced takeover (tests/lab/fence-host).
	echo $((LAB_PORT_BASE + 50)) >"$dir/usr/local/lib/drnfs-lab/fence-port"
	tar -C "$dir" --owner=root --group=root -cf "$WORK/payload-$node.tar" .
	# A block device is read in whole sectors.
	truncate -s %1M "$WORK/payload-$node.tar"
}

boot_node() {
	local node=$1 netdev
	if [[ $node == nodea ]]; then
		netdev="socket,id=link,listen=127.0.0.1:$(link_port)"
	else
		netdev="socket,id=link,connect=127.0.0.1:$(link_port)"
	fi
	truncate -s 128M "$WORK/drbd-$node.img"
	: >"$WORK/console-$node.log"
	qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 1024 -nodefaults -display none -no-reboot \
		-kernel "$IMAGE/vmlinuz" -initrd "$IMAGE/initrd.gz" \
		-append "console=ttyS0 root=/dev/vda rw net.ifnames=0 panic=-1 drnfs.node=$node drnfs.addr=$(node_addr "$node")" \
		-drive "file=$IMAGE/root.img,if=virtio,format=raw,snapshot=on" \
		-drive "file=$WORK/drbd-$node.img,if=virtio,format=raw,id=drbd" \
		-drive "file=$WORK/payload-$node.tar,if=virtio,format=raw,readonly=on" \
		-netdev "user,id=mgmt,net=10.0.2.0/24,hostfwd=tcp:127.0.0.1:$(ssh_port "$node")-:22,hostfwd=tcp:127.0.0.1:$(exporter_port "$node")-:9942" \
		-device virtio-net-pci,netdev=mgmt \
		-netdev "$netdev" -device "virtio-net-pci,netdev=link,mac=52:54:00:50:00:0$(node_index "$node")" \
		-serial "file:$WORK/console-$node.log" \
		-monitor "unix:$WORK/monitor-$node.sock,server=on,wait=off" \
		>"$WORK/qemu-$node.log" 2>&1 &
	echo $! >"$WORK/qemu-$node.pid"
}

# Waits for the node's ready marker; fails with the console when it panics or times out.
wait_booted() {
	local node=$1 deadline=$((SECONDS + BOOT_TIMEOUT))
	while ((SECONDS < deadline)); do
		# The marker comes before sshd starts: ready means ssh answers too.
		if grep -aq "LAB-READY $node" "$WORK/console-$node.log" && ON_TIMEOUT=15 on "$node" true 2>/dev/null; then
			return 0
		fi
		if grep -aEq 'Kernel panic|Oops:|initrd: cannot mount' "$WORK/console-$node.log" ||
			! kill -0 "$(cat "$WORK/qemu-$node.pid")" 2>/dev/null; then
			log "$node failed to boot; console:"
			tail -n 40 "$WORK/console-$node.log" >&2
			cat "$WORK/qemu-$node.log" >&2
			return 1
		fi
		sleep 1
	done
	log "$node did not become ready within ${BOOT_TIMEOUT}s; console:"
	tail -n 40 "$WORK/console-$node.log" >&2
	return 1
}

# throttle_reads NODE BYTES_PER_SECOND: qemu limits reads from NODE's DRBD backing disk
# (0 lifts the limit; 1 is a disk that stops answering reads). Checked in `info block`.
throttle_reads() {
	local node=$1 bps=$2 sock="$WORK/monitor-$1.sock"
	printf 'block_set_io_throttle drbd 0 %s 0 0 0 0\n' "$bps" | socat - "UNIX-CONNECT:$sock" >/dev/null ||
		{ log "qemu monitor of $node ($sock) did not answer"; return 1; }
	# `info block` lists I/O throttling only while a limit is set.
	local shown
	shown=$(printf 'info block drbd\n' | socat -t 2 - "UNIX-CONNECT:$sock" | tr -d '\r' | grep -ao 'bps_rd=[0-9]*' || echo bps_rd=0)
	[[ $shown == "bps_rd=$bps" ]] || { log "qemu shows $shown for $node, not bps_rd=$bps"; return 1; }
}

# throttle_writes NODE IOPS: qemu limits write requests to NODE's DRBD backing disk
# (0 lifts the limit): a local disk that cannot keep up. Checked in `info block`.
throttle_writes() {
	local node=$1 iops=$2 sock="$WORK/monitor-$1.sock"
	printf 'block_set_io_throttle drbd 0 0 0 0 0 %s\n' "$iops" | socat - "UNIX-CONNECT:$sock" >/dev/null ||
		{ log "qemu monitor of $node ($sock) did not answer"; return 1; }
	local shown
	shown=$(printf 'info block drbd\n' | socat -t 2 - "UNIX-CONNECT:$sock" | tr -d '\r' | grep -ao 'iops_wr=[0-9]*' || echo iops_wr=0)
	[[ $shown == "iops_wr=$iops" ]] || { log "qemu shows $shown for $node, not iops_wr=$iops"; return 1; }
}

# The power switch the guests' fence-peer reaches on 127.0.0.1:PORT (one fence-host per
# request), until the lab ends.
start_fence_server() {
	socat TCP-LISTEN:$((LAB_PORT_BASE + 50)),bind=127.0.0.1,reuseaddr,fork \
		EXEC:"$HERE/fence-host $WORK" >>"$WORK/fence.log" 2>&1 &
	echo $! >"$WORK/fence-server.pid"
}

stop_nodes() {
	[[ -f "$WORK/fence-server.pid" ]] && kill "$(cat "$WORK/fence-server.pid")" 2>/dev/null || true
	local node pid
	for node in nodeb nodea; do
		[[ -f "$WORK/qemu-$node.pid" ]] || continue
		pid=$(cat "$WORK/qemu-$node.pid")
		kill -0 "$pid" 2>/dev/null || continue
		ON_TIMEOUT=20 on "$node" 'systemctl poweroff --no-block' >/dev/null 2>&1 || true
	done
	for node in nodeb nodea; do
		[[ -f "$WORK/qemu-$node.pid" ]] || continue
		pid=$(cat "$WORK/qemu-$node.pid")
		for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
		kill "$pid" 2>/dev/null || true
	done
}

# capture SCENARIO NODE...: runs the capture script on the nodes (at once: each VM has its
# own host core to run on) and copies the results into $WORK/captures/SCENARIO/NODE.
capture() {
	local scenario=$1 node pids=() rc=0; shift
	for node in "$@"; do
		capture_one "$scenario" "$node" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
	# Timestamped in the scenario's log: where a long scenario spends its time.
	((rc)) || log "captured $scenario ($*)"
	return $rc
}

capture_one() {
	local scenario=$1 node=$2
	# A capture reads every source and tool of a node that may be serving a client storm
	# under TCG on a busy host: minutes, not seconds, at worst.
	ON_TIMEOUT=600 on "$node" "/usr/local/lib/drnfs-lab/capture /root/captures/$scenario" ||
		{ log "capture of $scenario on $node failed"; return 1; }
	mkdir -p "$WORK/captures/$scenario/$node"
	on "$node" "tar -C /root/captures/$scenario -cf - ." | tar -C "$WORK/captures/$scenario/$node" -xf - ||
		{ log "copying $scenario from $node failed"; return 1; }
}

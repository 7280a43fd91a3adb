# Prometheus watching the lab pair (sourced by tests/lab/run).
#
# Each node runs `drnfs exporter` from the packaged unit (packaging/systemd/
# drnfs-exporter.service, unchanged: a dynamic user with two capabilities), and a real
# Prometheus on the host scrapes both through loopback-only port forwards, evaluating
# the shipped alert rules (examples/prometheus/alerts.yml). The scenarios then assert on
# Prometheus's own alerts API that each alert fires while its state lasts and resolves
# after it. The lab's minutes are short: every rule's `for:` becomes PROM_FOR.

PROM_FOR=${DRNFS_LAB_PROM_FOR:-10s}

# prom_start: the exporter unit on both nodes, then Prometheus on the host, until it has
# scraped both (every wait bounded).
prom_start() {
	local n
	for n in nodea nodeb; do
		# /usr/bin/drnfs is where the package puts it (the lab installs to /usr/local/bin).
		# The unit's own EnvironmentFile sets the arguments: one sample every 2 s on these
		# one-CPU TCG VMs, where the recorder samples every second beside it.
		on "$n" 'ln -sf /usr/local/bin/drnfs /usr/bin/drnfs &&
			echo "DRNFS_EXPORTER_ARGS=--listen=0.0.0.0:9942 --interval 2" >/etc/default/drnfs-exporter &&
			cat >/etc/systemd/system/drnfs-exporter.service && systemctl daemon-reload &&
			systemctl restart drnfs-exporter' <"$REPO/packaging/systemd/drnfs-exporter.service" ||
			{ log "$n: the exporter unit did not start"; return 1; }
	done
	local dir="$WORK/prometheus"
	mkdir -p "$dir/data"
	sed -E "s/^( +for: ).*/\1$PROM_FOR/" "$REPO/examples/prometheus/alerts.yml" >"$dir/alerts.yml"
	cat >"$dir/prometheus.yml" <<-EOF
		global:
		  scrape_interval: 2s
		  scrape_timeout: 2s
		  evaluation_interval: 2s
		rule_files: ['$dir/alerts.yml']
		scrape_configs:
		  - job_name: drnfs
		    static_configs:
		      - targets: ['127.0.0.1:$(exporter_port nodea)']
		        labels: {node: nodea}
		      - targets: ['127.0.0.1:$(exporter_port nodeb)']
		        labels: {node: nodeb}
	EOF
	promtool check config "$dir/prometheus.yml" >/dev/null || { log "promtool refused the lab's config"; return 1; }
	setsid prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
		--web.listen-address="127.0.0.1:$(prom_port)" --log.level=warn >"$dir/prometheus.log" 2>&1 &
	echo $! >"$dir/pid"
	local deadline=$((SECONDS + 120)) up=""
	while ((SECONDS < deadline)); do
		up=$(prom_query 'sum(up{job="drnfs"})' 2>/dev/null || true)
		[[ $up == 2 ]] && { log "Prometheus scrapes both exporters (127.0.0.1:$(prom_port))"; return 0; }
		sleep 2
	done
	log "Prometheus did not scrape both exporters within 120s (up: '$up'); its log:"
	tail -n 20 "$dir/prometheus.log" >&2
	for n in nodea nodeb; do on "$n" 'systemctl status --no-pager drnfs-exporter | tail -n 15' >&2 || true; done
	return 1
}

prom_stop() {
	[[ -f "$WORK/prometheus/pid" ]] && kill "$(cat "$WORK/prometheus/pid")" 2>/dev/null
	rm -f "$WORK/prometheus/pid"
}

# prom_query EXPR: the value of an instant query with one result (empty with none).
prom_query() {
	curl -fsS --max-time 5 "http://127.0.0.1:$(prom_port)/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[0].value[1] // empty'
}

# prom_alerts: one line per alert Prometheus has: "STATE NAME NODE".
prom_alerts() {
	curl -fsS --max-time 5 "http://127.0.0.1:$(prom_port)/api/v1/alerts" |
		jq -r '.data.alerts[] | "\(.state) \(.labels.alertname) \(.labels.node)"' | sort -u
}

# alert_fires NAME NODE SECONDS: Prometheus fires NAME for NODE within SECONDS.
alert_fires() {
	local name=$1 node=$2 limit=$3 t0=$SECONDS out=""
	while ((SECONDS - t0 < limit)); do
		out=$(prom_alerts 2>&1 || true)
		if grep -qx "firing $name $node" <<<"$out"; then
			log "Prometheus: $name firing for $node after $((SECONDS - t0))s"
			return 0
		fi
		sleep 2
	done
	log "Prometheus: $name did not fire for $node within ${limit}s; its alerts:"
	printf '%s\n' "$out" >&2
	return 1
}

# alert_clears NAME SECONDS: Prometheus has NAME neither firing nor pending for any node
# within SECONDS (once the state is over, the alert resolves).
alert_clears() {
	local name=$1 limit=$2 t0=$SECONDS out=""
	while ((SECONDS - t0 < limit)); do
		out=$(prom_alerts 2>&1) || { sleep 2; continue; }
		if ! grep -q " $name " <<<"$out"; then
			log "Prometheus: no $name after $((SECONDS - t0))s"
			return 0
		fi
		sleep 2
	done
	log "Prometheus: $name still there after ${limit}s:"
	printf '%s\n' "$out" >&2
	return 1
}

# alert_absent NAME: NAME is neither firing nor pending now (a state that must not
# raise it, checked after two evaluations of what the exporters say now).
alert_absent() {
	local name=$1 out
	sleep 5
	out=$(prom_alerts) || { log "Prometheus's alerts API did not answer"; return 1; }
	if grep -q " $name " <<<"$out"; then
		log "Prometheus: $name raised where it must not be:"
		printf '%s\n' "$out" >&2
		return 1
	fi
}

# prom_role_agrees NODE SECONDS: the role Prometheus last scraped from NODE is what
# drbdadm says on NODE (read before and after the query; a change between them retries).
prom_role_agrees() {
	local node=$1 limit=$2 t0=$SECONDS before after scraped=""
	while ((SECONDS - t0 < limit)); do
		before=$(on "$node" 'drbdadm role r0 | cut -d/ -f1')
		sleep 3 # at least one scrape after the read
		scraped=$(curl -fsS --max-time 5 "http://127.0.0.1:$(prom_port)/api/v1/query" \
				--data-urlencode "query=drnfs_drbd_role{node=\"$node\",resource=\"r0\"} == 1" |
			jq -r '.data.result[0].metric.drnfs_drbd_role // empty')
		after=$(on "$node" 'drbdadm role r0 | cut -d/ -f1')
		if [[ -n $scraped && $before == "$after" && $scraped == "$before" ]]; then
			log "Prometheus: $node is $scraped, as drbdadm says"
			return 0
		fi
		sleep 1
	done
	log "Prometheus says $node is '$scraped'; drbdadm said '$before' then '$after'"
	return 1
}

# prom_sources_down: the sources each node's exporter could not read at its last scrape
# ("node source" lines; none when the unit's privileges read everything).
prom_sources_down() {
	curl -fsS --max-time 5 "http://127.0.0.1:$(prom_port)/api/v1/query" --data-urlencode 'query=drnfs_source_up == 0' |
		jq -r '.data.result[] | "\(.metric.node) \(.metric.source)"' | sort
}

# wait_for_prom WHAT COMMAND PATTERN SECONDS: a host-side COMMAND (one of these helpers)
# prints PATTERN within SECONDS (what Prometheus says changes with its next scrape).
wait_for_prom() {
	local what=$1 cmd=$2 pattern=$3 limit=$4 t0=$SECONDS out=""
	while ((SECONDS - t0 < limit)); do
		out=$(eval "$cmd" 2>&1 || true)
		grep -Eq -- "$pattern" <<<"$out" && return 0
		sleep 2
	done
	log "Prometheus ($what): '$cmd' did not show /$pattern/ within ${limit}s; last output:"
	printf '%s\n' "$out" >&2
	return 1
}

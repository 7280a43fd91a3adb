# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_drnfs_global_optspecs
    string join \n config= proc-root= events2-file= kernel-log-file= drbd-config= drbdadm= drbdsetup= nfs-port= vip= interval= demo replay= peer-replay= speed= ascii utc v/verbose log-file= h/help V/version
end

function __fish_drnfs_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_drnfs_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_drnfs_using_subcommand
    set -l cmd (__fish_drnfs_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c drnfs -n "__fish_drnfs_needs_command" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_needs_command" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_needs_command" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_needs_command" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_needs_command" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_needs_command" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_needs_command" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_needs_command" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_needs_command" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_needs_command" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_needs_command" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_needs_command" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_needs_command" -l speed -d 'Replay speed (0.25 to 30); `+` and `-` change it while playing' -r
complete -c drnfs -n "__fish_drnfs_needs_command" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_needs_command" -l demo -d 'Replay the recording bundled with drnfs: a real incident from the drnfs lab (resync, a client storm, split brain, recovery)'
complete -c drnfs -n "__fish_drnfs_needs_command" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_needs_command" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_needs_command" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c drnfs -n "__fish_drnfs_needs_command" -s V -l version -d 'Print version'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "snapshot" -d 'Read every source once and print what this node looks like'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "doctor" -d 'Explain what is wrong, with evidence and the next step; exit 1 when anything is critical (for cron and monitoring)'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "metrics" -d 'Print the report as metrics (OpenMetrics text), or write them for node_exporter\'s textfile collector'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "exporter" -d 'Serve the metrics over HTTP for Prometheus (`/metrics`), from a live engine that samples every interval; a scrape renders the latest report and reads nothing'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "record" -d 'Record every source over time into one file (attach it to a ticket; replay it with --replay). Stops on Ctrl-C, SIGTERM or after --duration'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "top-clients" -d 'Rank the NFS clients by the load they put on nfsd, every interval (for scripts)'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "promote" -d 'Make this node Primary and serve NFS (peer connected and Secondary)'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "demote" -d 'Stop serving NFS here and make this node Secondary'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "failover" -d 'Planned failover: stop serving here, then promote and serve on the peer'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "takeover" -d 'The peer is gone: serve here without it'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "recover-split-brain" -d 'Guided split-brain recovery: the victim\'s changes since the split are discarded and it resyncs from the survivor'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "resume" -d 'An action whose drnfs died (killed, lost SSH session): show it and continue or roll it back'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "check" -d 'keepalived vrrp_script: exit 0 only when this node serves NFS (read-only, fast)'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "notify" -d 'keepalived vrrp_notify_fifo reader: log every VRRP transition and what it means; never touches storage'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "config" -d 'Validate the drnfs configuration'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "agent" -d 'The peer\'s side of an action (run over ssh by drnfs itself)'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "debug" -d 'Tools for capturing fixtures and debugging drnfs itself'
complete -c drnfs -n "__fish_drnfs_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l sample-seconds -d 'Take two samples this many seconds apart, so rates (ops/s, bytes/s per client) are filled in' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l at -d 'With --replay: the state this many seconds into the recording (default: its end)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l json -d 'Print one JSON document (schema: docs/snapshot.schema.json) instead of text'
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand snapshot" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l sample-seconds -d 'Watch for this many seconds first (rates, stalls and noisy clients need it)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l at -d 'With --replay: the findings this many seconds into the recording (default: its end)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l json -d 'Print the findings as a JSON array'
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l textfile -d 'Write DIR/drnfs.prom (Prometheus text format, as the textfile collector reads it) instead of printing' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l format -d 'The text format on stdout' -r -f -a "openmetrics\t'OpenMetrics 1.0 (state sets, units, `# EOF`)'
prometheus\t'Prometheus text format 0.0.4'"
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l top-clients -d 'Clients with a series of their own (busiest first); the rest are summed' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l sample-seconds -d 'Watch for this many seconds first (rates and client figures need two samples)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l at -d 'With --replay: the state this many seconds into the recording (default: its end)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand metrics" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l listen -d 'Address and port to serve on (port 0: any free one, printed on stderr)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l top-clients -d 'Clients with a series of their own (busiest first); the rest are summed' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand exporter" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -s o -l out -d 'The recording file; gzip-compressed when it ends in .gz' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l duration -d 'Stop after this many seconds' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l note -d 'A note stored in the recording\'s header' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand record" -s h -l help -d 'Print help'
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l count -d 'Print this many rankings, then exit (default: until interrupted)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l top -d 'Show at most this many clients per ranking' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l json -d 'One JSON object per ranking, one per line'
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand top-clients" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l confirm -d 'The confirmation phrase, for non-interactive use (it is recorded as typed)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l at -d 'Seconds into the --replay recording to take the state from (dry runs)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l peer-snapshot -d 'The peer\'s state from a file (its `drnfs snapshot --json`) instead of over ssh (dry runs on captures)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l dry-run -d 'Show the preflight checks and the plan; change nothing. Works on recorded state too (--proc-root/--events2-file, or --replay FILE --at SECONDS)'
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand promote" -s h -l help -d 'Print help'
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l confirm -d 'The confirmation phrase, for non-interactive use (it is recorded as typed)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l at -d 'Seconds into the --replay recording to take the state from (dry runs)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l peer-snapshot -d 'The peer\'s state from a file (its `drnfs snapshot --json`) instead of over ssh (dry runs on captures)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l dry-run -d 'Show the preflight checks and the plan; change nothing. Works on recorded state too (--proc-root/--events2-file, or --replay FILE --at SECONDS)'
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l force -d 'Demote even when this node holds the only UpToDate copy'
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand demote" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l confirm -d 'The confirmation phrase, for non-interactive use (it is recorded as typed)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l at -d 'Seconds into the --replay recording to take the state from (dry runs)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l peer-snapshot -d 'The peer\'s state from a file (its `drnfs snapshot --json`) instead of over ssh (dry runs on captures)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l dry-run -d 'Show the preflight checks and the plan; change nothing. Works on recorded state too (--proc-root/--events2-file, or --replay FILE --at SECONDS)'
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand failover" -s h -l help -d 'Print help'
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l confirm -d 'The confirmation phrase, for non-interactive use (it is recorded as typed)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l at -d 'Seconds into the --replay recording to take the state from (dry runs)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l peer-snapshot -d 'The peer\'s state from a file (its `drnfs snapshot --json`) instead of over ssh (dry runs on captures)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l dry-run -d 'Show the preflight checks and the plan; change nothing. Works on recorded state too (--proc-root/--events2-file, or --replay FILE --at SECONDS)'
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l no-fencing-i-accept-split-brain -d 'Take over with no proof that the peer cannot write (no fence, no DRBD fencing, no quorum): if it still writes, the data splits. Asks for a phrase that says so, and the audit log records it'
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l accept-stale-data -d 'Accept Consistent or Outdated local data (the peer\'s last writes may be lost)'
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l force -d '`drbdadm primary --force` when DRBD refuses (no fencing answer). Only with proof that the peer cannot write, or --no-fencing-i-accept-split-brain'
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand takeover" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l confirm -d 'The confirmation phrase, for non-interactive use (it is recorded as typed)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l at -d 'Seconds into the --replay recording to take the state from (dry runs)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l peer-snapshot -d 'The peer\'s state from a file (its `drnfs snapshot --json`) instead of over ssh (dry runs on captures)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l victim -d 'The node whose changes since the split are discarded' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l dry-run -d 'Show the preflight checks and the plan; change nothing. Works on recorded state too (--proc-root/--events2-file, or --replay FILE --at SECONDS)'
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand recover-split-brain" -s h -l help -d 'Print help'
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -l rollback -d 'Undo the steps the interrupted action did, instead of continuing it'
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand resume" -s h -l help -d 'Print help'
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -l resource -d 'The resource (default: the only one configured, or any DRBD minor without a configuration)' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -l state-file -d 'Where the last transition is kept for other tools' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand notify" -s h -l help -d 'Print help'
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -s h -l help -d 'Print help'
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -f -a "check" -d 'Parse and validate drnfs.toml; print the resources it configures'
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and not __fish_seen_subcommand_from check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Parse and validate drnfs.toml; print the resources it configures'
complete -c drnfs -n "__fish_drnfs_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand agent" -s h -l help -d 'Print help'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -s h -l help -d 'Print help'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -f -a "man" -d 'Print the man page (roff) generated from this command line definition'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -f -a "completions" -d 'Print shell completions for SHELL (bash, zsh, fish, elvish, powershell)'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -f -a "sock-diag" -d 'Dump TCP sockets with a local port over netlink sock_diag and print them; with --raw-out, also write the kernel\'s reply bytes (a fixture for the decoder)'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and not __fish_seen_subcommand_from man completions sock-diag help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from man" -s h -l help -d 'Print help'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from completions" -s h -l help -d 'Print help'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l port -r
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l raw-out -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l config -d 'The drnfs configuration (resources, mount points, NFS units, VIP, peer)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l proc-root -d 'Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree, or files copied off a broken server). No drbdsetup, sockets or kernel log are read live then' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l events2-file -d 'Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of running drbdsetup' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l kernel-log-file -d 'Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of /dev/kmsg' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l drbd-config -d 'Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file) instead of running `drbdadm dump all`' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l drbdadm -d 'The drbdadm program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l drbdsetup -d 'The drbdsetup program to run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l nfs-port -d 'TCP port of the NFS server' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l vip -d 'The service address keepalived moves (repeatable). Default: the virtual_ipaddress entries of /etc/keepalived/keepalived.conf' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l interval -d 'Seconds between samples of the proc files and sockets' -r
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l replay -d 'Replay a recording made with `drnfs record` (with an action: --dry-run against its state at --at seconds)' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l peer-replay -d 'The peer\'s recording of the same time (`drnfs record` on the other node): played beside --replay on the wall clock as the peer\'s state, in the view and for an action\'s --dry-run' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l log-file -d 'Write the log to FILE (appended) instead' -r -F
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l ascii -d 'Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns colours off'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -l utc -d 'Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON always carries RFC 3339 instants in UTC'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -s v -l verbose -d 'More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter). The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one), other commands to stderr'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from sock-diag" -s h -l help -d 'Print help'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from help" -f -a "man" -d 'Print the man page (roff) generated from this command line definition'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from help" -f -a "completions" -d 'Print shell completions for SHELL (bash, zsh, fish, elvish, powershell)'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from help" -f -a "sock-diag" -d 'Dump TCP sockets with a local port over netlink sock_diag and print them; with --raw-out, also write the kernel\'s reply bytes (a fixture for the decoder)'
complete -c drnfs -n "__fish_drnfs_using_subcommand debug; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "snapshot" -d 'Read every source once and print what this node looks like'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "doctor" -d 'Explain what is wrong, with evidence and the next step; exit 1 when anything is critical (for cron and monitoring)'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "metrics" -d 'Print the report as metrics (OpenMetrics text), or write them for node_exporter\'s textfile collector'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "exporter" -d 'Serve the metrics over HTTP for Prometheus (`/metrics`), from a live engine that samples every interval; a scrape renders the latest report and reads nothing'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "record" -d 'Record every source over time into one file (attach it to a ticket; replay it with --replay). Stops on Ctrl-C, SIGTERM or after --duration'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "top-clients" -d 'Rank the NFS clients by the load they put on nfsd, every interval (for scripts)'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "promote" -d 'Make this node Primary and serve NFS (peer connected and Secondary)'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "demote" -d 'Stop serving NFS here and make this node Secondary'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "failover" -d 'Planned failover: stop serving here, then promote and serve on the peer'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "takeover" -d 'The peer is gone: serve here without it'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "recover-split-brain" -d 'Guided split-brain recovery: the victim\'s changes since the split are discarded and it resyncs from the survivor'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "resume" -d 'An action whose drnfs died (killed, lost SSH session): show it and continue or roll it back'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "check" -d 'keepalived vrrp_script: exit 0 only when this node serves NFS (read-only, fast)'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "notify" -d 'keepalived vrrp_notify_fifo reader: log every VRRP transition and what it means; never touches storage'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "config" -d 'Validate the drnfs configuration'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "agent" -d 'The peer\'s side of an action (run over ssh by drnfs itself)'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "debug" -d 'Tools for capturing fixtures and debugging drnfs itself'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and not __fish_seen_subcommand_from snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Parse and validate drnfs.toml; print the resources it configures'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and __fish_seen_subcommand_from debug" -f -a "man" -d 'Print the man page (roff) generated from this command line definition'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and __fish_seen_subcommand_from debug" -f -a "completions" -d 'Print shell completions for SHELL (bash, zsh, fish, elvish, powershell)'
complete -c drnfs -n "__fish_drnfs_using_subcommand help; and __fish_seen_subcommand_from debug" -f -a "sock-diag" -d 'Dump TCP sockets with a local port over netlink sock_diag and print them; with --raw-out, also write the kernel\'s reply bytes (a fixture for the decoder)'

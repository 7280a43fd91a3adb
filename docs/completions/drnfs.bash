_drnfs() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="drnfs"
                ;;
            drnfs,agent)
                cmd="drnfs__subcmd__agent"
                ;;
            drnfs,check)
                cmd="drnfs__subcmd__check"
                ;;
            drnfs,config)
                cmd="drnfs__subcmd__config"
                ;;
            drnfs,debug)
                cmd="drnfs__subcmd__debug"
                ;;
            drnfs,demote)
                cmd="drnfs__subcmd__demote"
                ;;
            drnfs,doctor)
                cmd="drnfs__subcmd__doctor"
                ;;
            drnfs,exporter)
                cmd="drnfs__subcmd__exporter"
                ;;
            drnfs,failover)
                cmd="drnfs__subcmd__failover"
                ;;
            drnfs,help)
                cmd="drnfs__subcmd__help"
                ;;
            drnfs,metrics)
                cmd="drnfs__subcmd__metrics"
                ;;
            drnfs,notify)
                cmd="drnfs__subcmd__notify"
                ;;
            drnfs,promote)
                cmd="drnfs__subcmd__promote"
                ;;
            drnfs,record)
                cmd="drnfs__subcmd__record"
                ;;
            drnfs,recover-split-brain)
                cmd="drnfs__subcmd__recover__subcmd__split__subcmd__brain"
                ;;
            drnfs,resume)
                cmd="drnfs__subcmd__resume"
                ;;
            drnfs,snapshot)
                cmd="drnfs__subcmd__snapshot"
                ;;
            drnfs,takeover)
                cmd="drnfs__subcmd__takeover"
                ;;
            drnfs,top-clients)
                cmd="drnfs__subcmd__top__subcmd__clients"
                ;;
            drnfs__subcmd__config,check)
                cmd="drnfs__subcmd__config__subcmd__check"
                ;;
            drnfs__subcmd__config,help)
                cmd="drnfs__subcmd__config__subcmd__help"
                ;;
            drnfs__subcmd__config__subcmd__help,check)
                cmd="drnfs__subcmd__config__subcmd__help__subcmd__check"
                ;;
            drnfs__subcmd__config__subcmd__help,help)
                cmd="drnfs__subcmd__config__subcmd__help__subcmd__help"
                ;;
            drnfs__subcmd__debug,completions)
                cmd="drnfs__subcmd__debug__subcmd__completions"
                ;;
            drnfs__subcmd__debug,help)
                cmd="drnfs__subcmd__debug__subcmd__help"
                ;;
            drnfs__subcmd__debug,man)
                cmd="drnfs__subcmd__debug__subcmd__man"
                ;;
            drnfs__subcmd__debug,sock-diag)
                cmd="drnfs__subcmd__debug__subcmd__sock__subcmd__diag"
                ;;
            drnfs__subcmd__debug__subcmd__help,completions)
                cmd="drnfs__subcmd__debug__subcmd__help__subcmd__completions"
                ;;
            drnfs__subcmd__debug__subcmd__help,help)
                cmd="drnfs__subcmd__debug__subcmd__help__subcmd__help"
                ;;
            drnfs__subcmd__debug__subcmd__help,man)
                cmd="drnfs__subcmd__debug__subcmd__help__subcmd__man"
                ;;
            drnfs__subcmd__debug__subcmd__help,sock-diag)
                cmd="drnfs__subcmd__debug__subcmd__help__subcmd__sock__subcmd__diag"
                ;;
            drnfs__subcmd__help,agent)
                cmd="drnfs__subcmd__help__subcmd__agent"
                ;;
            drnfs__subcmd__help,check)
                cmd="drnfs__subcmd__help__subcmd__check"
                ;;
            drnfs__subcmd__help,config)
                cmd="drnfs__subcmd__help__subcmd__config"
                ;;
            drnfs__subcmd__help,debug)
                cmd="drnfs__subcmd__help__subcmd__debug"
                ;;
            drnfs__subcmd__help,demote)
                cmd="drnfs__subcmd__help__subcmd__demote"
                ;;
            drnfs__subcmd__help,doctor)
                cmd="drnfs__subcmd__help__subcmd__doctor"
                ;;
            drnfs__subcmd__help,exporter)
                cmd="drnfs__subcmd__help__subcmd__exporter"
                ;;
            drnfs__subcmd__help,failover)
                cmd="drnfs__subcmd__help__subcmd__failover"
                ;;
            drnfs__subcmd__help,help)
                cmd="drnfs__subcmd__help__subcmd__help"
                ;;
            drnfs__subcmd__help,metrics)
                cmd="drnfs__subcmd__help__subcmd__metrics"
                ;;
            drnfs__subcmd__help,notify)
                cmd="drnfs__subcmd__help__subcmd__notify"
                ;;
            drnfs__subcmd__help,promote)
                cmd="drnfs__subcmd__help__subcmd__promote"
                ;;
            drnfs__subcmd__help,record)
                cmd="drnfs__subcmd__help__subcmd__record"
                ;;
            drnfs__subcmd__help,recover-split-brain)
                cmd="drnfs__subcmd__help__subcmd__recover__subcmd__split__subcmd__brain"
                ;;
            drnfs__subcmd__help,resume)
                cmd="drnfs__subcmd__help__subcmd__resume"
                ;;
            drnfs__subcmd__help,snapshot)
                cmd="drnfs__subcmd__help__subcmd__snapshot"
                ;;
            drnfs__subcmd__help,takeover)
                cmd="drnfs__subcmd__help__subcmd__takeover"
                ;;
            drnfs__subcmd__help,top-clients)
                cmd="drnfs__subcmd__help__subcmd__top__subcmd__clients"
                ;;
            drnfs__subcmd__help__subcmd__config,check)
                cmd="drnfs__subcmd__help__subcmd__config__subcmd__check"
                ;;
            drnfs__subcmd__help__subcmd__debug,completions)
                cmd="drnfs__subcmd__help__subcmd__debug__subcmd__completions"
                ;;
            drnfs__subcmd__help__subcmd__debug,man)
                cmd="drnfs__subcmd__help__subcmd__debug__subcmd__man"
                ;;
            drnfs__subcmd__help__subcmd__debug,sock-diag)
                cmd="drnfs__subcmd__help__subcmd__debug__subcmd__sock__subcmd__diag"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        drnfs)
            opts="-v -h -V --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --demo --replay --peer-replay --speed --ascii --utc --verbose --log-file --help --version snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --speed)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__agent)
            opts="-v -h --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__check)
            opts="-v -h --resource --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --resource)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__config)
            opts="-v -h --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help check help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__config__subcmd__check)
            opts="-v -h --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__config__subcmd__help)
            opts="check help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__config__subcmd__help__subcmd__check)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__config__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__debug)
            opts="-v -h --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help man completions sock-diag help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__debug__subcmd__completions)
            opts="-v -h --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help bash elvish fish powershell zsh"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__debug__subcmd__help)
            opts="man completions sock-diag help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__debug__subcmd__help__subcmd__completions)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__debug__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__debug__subcmd__help__subcmd__man)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__debug__subcmd__help__subcmd__sock__subcmd__diag)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__debug__subcmd__man)
            opts="-v -h --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__debug__subcmd__sock__subcmd__diag)
            opts="-v -h --port --raw-out --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --raw-out)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__demote)
            opts="-v -h --dry-run --confirm --at --peer-snapshot --force --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --confirm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --at)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-snapshot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__doctor)
            opts="-v -h --json --sample-seconds --at --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --sample-seconds)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --at)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__exporter)
            opts="-v -h --listen --top-clients --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --listen)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --top-clients)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__failover)
            opts="-v -h --dry-run --confirm --at --peer-snapshot --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --confirm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --at)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-snapshot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help)
            opts="snapshot doctor metrics exporter record top-clients promote demote failover takeover recover-split-brain resume check notify config agent debug help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__agent)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__check)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__config)
            opts="check"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__config__subcmd__check)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__debug)
            opts="man completions sock-diag"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__debug__subcmd__completions)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__debug__subcmd__man)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__debug__subcmd__sock__subcmd__diag)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__demote)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__doctor)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__exporter)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__failover)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__metrics)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__notify)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__promote)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__record)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__recover__subcmd__split__subcmd__brain)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__resume)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__snapshot)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__takeover)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__help__subcmd__top__subcmd__clients)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__metrics)
            opts="-v -h --textfile --format --top-clients --sample-seconds --at --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --textfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "openmetrics prometheus" -- "${cur}"))
                    return 0
                    ;;
                --top-clients)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --sample-seconds)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --at)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__notify)
            opts="-v -h --state-file --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --state-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__promote)
            opts="-v -h --dry-run --confirm --at --peer-snapshot --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --confirm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --at)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-snapshot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__record)
            opts="-o -v -h --out --duration --note --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --out)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --duration)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --note)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__recover__subcmd__split__subcmd__brain)
            opts="-v -h --dry-run --confirm --at --peer-snapshot --victim --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --confirm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --at)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-snapshot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --victim)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__resume)
            opts="-v -h --rollback --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__snapshot)
            opts="-v -h --json --sample-seconds --at --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --sample-seconds)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --at)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__takeover)
            opts="-v -h --dry-run --confirm --at --peer-snapshot --no-fencing-i-accept-split-brain --accept-stale-data --force --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --confirm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --at)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-snapshot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        drnfs__subcmd__top__subcmd__clients)
            opts="-v -h --count --top --json --config --proc-root --events2-file --kernel-log-file --drbd-config --drbdadm --drbdsetup --nfs-port --vip --interval --replay --peer-replay --ascii --utc --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --count)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --top)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --proc-root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --events2-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kernel-log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbd-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdadm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drbdsetup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nfs-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-replay)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _drnfs -o nosort -o bashdefault -o default drnfs
else
    complete -F _drnfs -o bashdefault -o default drnfs
fi

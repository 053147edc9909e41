#!/usr/bin/env bash
# A single-node Slurm on localhost for the Slurm tests (docs/scaling.md): Debian's slurm-wlm with munge.
#   scripts/slurm-local.sh start   install if missing, write slurm.conf for this host, start munged,
#                                  slurmctld and slurmd, wait until `sinfo` shows the node idle
#   scripts/slurm-local.sh stop    stop the three daemons started by `start`
# Runs as root (CI's fresh Debian 12 machine). Exits non-zero with the reason when Slurm does not come up.
set -euo pipefail

conf_dir=/etc/slurm
state=/var/lib/mode-slurm
pids=$state/pids

start() {
  if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
  fi
  mkdir -p "$conf_dir" "$state"/{ctld,d,log} /run/munge /var/log/munge /var/lib/munge /etc/munge
  host=$(hostname -s)
  # slurmctld and slurmd find each other by this name; containers do not always list it in /etc/hosts.
  getent hosts "$host" >/dev/null || echo "127.0.0.1 $host" >> /etc/hosts
  cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))  # MiB, less a margin for the OS

  # munge: one key for this host
  [ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge 2>/dev/null || true
  chmod 0400 /etc/munge/munge.key
  chmod 0700 /etc/munge /var/lib/munge /var/log/munge
  chmod 0755 /run/munge
  if ! munge -n >/dev/null 2>&1; then
    runuser -u munge -- munged --force || munged --force
    for _ in $(seq 20); do munge -n >/dev/null 2>&1 && break; sleep 0.5; done
  fi
  munge -n | unmunge >/dev/null || { echo "slurm-local: munged does not answer" >&2; exit 1; }

  # No cgroups (containers often lack them): processes tracked by their parent, nothing confined.
  cat > "$conf_dir/slurm.conf" <<CONF
# Written by scripts/slurm-local.sh for a single-node test cluster on $host.
ClusterName=mode-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# A requeued job waits cred_expire seconds before it may start again (default 120); short for the tests.
AuthInfo=cred_expire=10
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$state/log/jobcomp.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MpiDefault=none
KillWait=10
MinJobAge=600
SchedulerParameters=batch_sched_delay=0
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
  # slurmd 22.05 loads a cgroup plugin even when nothing uses it: the one matching the mounted hierarchy.
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    printf 'CgroupPlugin=cgroup/v2\nIgnoreSystemd=yes\n' > "$conf_dir/cgroup.conf"
  else
    printf 'CgroupPlugin=cgroup/v1\n' > "$conf_dir/cgroup.conf"
  fi

  stop_daemons
  slurmctld -c -i 2>>"$state/log/start.log" || { echo "slurm-local: slurmctld failed to start:" >&2; tail -n 20 "$state/log/slurmctld.log" "$state/log/start.log" >&2; exit 1; }
  slurmd -c 2>>"$state/log/start.log" || { echo "slurm-local: slurmd failed to start:" >&2; tail -n 20 "$state/log/slurmd.log" "$state/log/start.log" >&2; exit 1; }
  for _ in $(seq 60); do
    if sinfo -h -N -o '%T' 2>/dev/null | grep -qx idle; then
      sinfo
      return 0
    fi
    scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
    sleep 1
  done
  echo "slurm-local: node $host did not become idle:" >&2
  sinfo -N -l >&2 || true
  tail -n 20 "$state/log/slurmctld.log" "$state/log/slurmd.log" >&2 || true
  exit 1
}

stop_daemons() {
  for f in "$state/slurmd.pid" "$state/slurmctld.pid"; do
    if [ -s "$f" ]; then
      pid=$(cat "$f")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      rm -f "$f"
    fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop_daemons ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

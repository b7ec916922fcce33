#!/usr/bin/env bash
# A cluster of hosts in one machine: each host is a Linux network namespace (and a host name
# of its own), all wired to one bridge in a namespace of their own, so Launch/cluster.sh,
# mpirun's hostfile and Open MPI's daemons run exactly as across real machines, and every
# message crosses TCP. Needs root and iproute2; nothing outside the namespaces is contacted.
#
#   Launch/netns-cluster.sh up NAME HOSTS [SLOTS]   hosts NAME-1 … NAME-HOSTS, SLOTS ranks each
#                                                   (default 1); prints the hostfile's path
#   Launch/netns-cluster.sh exec NAME HOST CMD…     runs CMD on host HOST (1 … HOSTS)
#   Launch/netns-cluster.sh link NAME HOST up|down  connects or cuts one host's link
#   Launch/netns-cluster.sh shape NAME RATE         limits every link to RATE (tc tbf, both
#                                                   ways: 1gbit, 10gbit; "none" removes it)
#   Launch/netns-cluster.sh down NAME               kills what runs there and removes it all
#
# Try a training job across three hosts of one machine:
#   hostfile=$(Launch/netns-cluster.sh up try 3)
#   Launch/netns-cluster.sh exec try 1 Launch/cluster.sh "$hostfile" Configs/quickstart.yaml --run-dir /tmp/try
#   Launch/netns-cluster.sh down try
#
# `exec` sets what Open MPI needs to reach the other hosts: the agent that starts its daemon
# on a host (this script's `agent`, in place of ssh), TCP only (btl tcp,self: no shared-memory
# short cut between ranks of different hosts) on each host's one interface, and keepalives on
# the daemons' connections, so a host that drops off the network is noticed in seconds.
# NAME: letters, digits and '-', at most 8 characters (interface names are short); state
# lives in /run/sparnet-netns/NAME.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state_root=/run/sparnet-netns

usage() {
  sed -n '7,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

check_name() {
  [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9-]{0,7}$ ]] || { echo "error: cluster name '$1' must be 1–8 letters, digits or '-'" >&2; exit 2; }
}

# The subnet of a cluster: 10.241.X.0/24, X from the name, so two clusters of different
# names do not share addresses (they are on separate bridges anyway).
subnet_of() { echo "10.241.$(( $(printf '%s' "$1" | cksum | cut -d' ' -f1) % 250 + 1 ))"; }

host_count() {
  [ -f "$state_root/$1/hosts" ] || { echo "error: no cluster named '$1' is up (see $0 up)" >&2; exit 2; }
  cat "$state_root/$1/hosts"
}

check_host() {
  local hosts
  hosts=$(host_count "$1")
  [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le "$hosts" ] \
    || { echo "error: cluster '$1' has hosts 1 … $hosts, not '$2'" >&2; exit 2; }
}

# Runs a command in a host's namespace under the host's own name (a UTS namespace of its own:
# Open MPI tells hosts apart by name, and the blame for a lost rank names its host).
on_host() {
  local host=$1
  shift
  exec ip netns exec "$host" unshare --uts sh -c 'hostname "$0" && exec "$@"' "$host" "$@"
}

up() {
  local name=$1 hosts=$2 slots=${3:-1}
  check_name "$name"
  [[ $hosts =~ ^[0-9]+$ ]] && [ "$hosts" -ge 1 ] && [ "$hosts" -le 32 ] || { echo "error: HOSTS must be 1 … 32, not '$hosts'" >&2; exit 2; }
  [[ $slots =~ ^[0-9]+$ ]] && [ "$slots" -ge 1 ] || { echo "error: SLOTS must be a positive count, not '$slots'" >&2; exit 2; }
  [ "$(id -u)" = 0 ] || { echo "error: network namespaces need root" >&2; exit 1; }
  command -v ip > /dev/null || { echo "error: 'ip' (iproute2) is not installed" >&2; exit 1; }
  [ ! -e "$state_root/$name" ] || { echo "error: a cluster named '$name' is already up ($0 down $name)" >&2; exit 1; }
  mkdir -p "$state_root/$name"
  trap 'down "$name" > /dev/null 2>&1 || true' ERR
  local subnet switch=$name-sw
  subnet=$(subnet_of "$name")
  ip netns add "$switch"
  ip -n "$switch" link add br0 type bridge
  ip -n "$switch" link set br0 up
  : > "$state_root/$name/hostfile"
  for i in $(seq 1 "$hosts"); do
    ip netns add "$name-$i"
    ip link add "$name-p$i" netns "$switch" type veth peer name eth0 netns "$name-$i"
    ip -n "$switch" link set "$name-p$i" master br0 up
    ip -n "$name-$i" addr add "$subnet.$i/24" dev eth0
    ip -n "$name-$i" link set eth0 up
    ip -n "$name-$i" link set lo up
    echo "$name-$i slots=$slots" >> "$state_root/$name/hostfile"
  done
  echo "$hosts" > "$state_root/$name/hosts"
  trap - ERR
  echo "$state_root/$name/hostfile"
}

down() {
  local name=$1
  check_name "$name"
  local hosts=0
  [ -f "$state_root/$name/hosts" ] && hosts=$(cat "$state_root/$name/hosts")
  # Every namespace of this name, also those of a half-made cluster.
  local namespaces
  namespaces=$(ip netns list | awk '{ print $1 }' | grep -E "^$name-([0-9]+|sw)$" || true)
  for ns in $namespaces; do
    ip netns pids "$ns" 2> /dev/null | xargs -r kill -KILL 2> /dev/null || true
  done
  for ns in $namespaces; do
    ip netns delete "$ns" 2> /dev/null || true
  done
  rm -rf "${state_root:?}/$name"
  [ "$hosts" -gt 0 ] || [ -n "$namespaces" ] || { echo "no cluster named '$name' was up" >&2; }
}

# plm_rsh_agent: Open MPI calls it as it would call ssh, `agent [options] HOST COMMAND…`, the
# command being one line for a remote shell.
agent() {
  while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done
  [ $# -ge 2 ] || { echo "error: agent: expected HOST COMMAND" >&2; exit 2; }
  local host=$1
  shift
  ip netns list | awk '{ print $1 }' | grep -qx "$host" || { echo "error: agent: no host '$host' on this machine" >&2; exit 1; }
  on_host "$host" sh -c "$*"
}

shape() {
  local name=$1 rate=$2 hosts
  hosts=$(host_count "$name")
  for i in $(seq 1 "$hosts"); do
    # Both ends of host i's link: the bridge's port and the host's interface.
    while read -r namespace device; do
      tc -n "$namespace" qdisc del dev "$device" root 2> /dev/null || true
      if [ "$rate" != none ]; then
        # A burst of 1 ms at the rate (at least 64 KiB) and 50 ms of queue.
        tc -n "$namespace" qdisc add dev "$device" root tbf rate "$rate" burst "$(burst_of "$rate")" latency 50ms
      fi
    done <<< "$name-sw $name-p$i
$name-$i eth0"
  done
}

burst_of() {
  local bits
  bits=$(echo "$1" | awk '{ v = $1 + 0; u = tolower($1); sub(/^[0-9.]+/, "", u);
    m = (u ~ /^g/) ? 1e9 : (u ~ /^m/) ? 1e6 : (u ~ /^k/) ? 1e3 : 1; printf "%d", v * m }')
  local bytes=$(( bits / 8 / 1000 ))
  [ "$bytes" -ge 65536 ] || bytes=65536
  echo "$bytes"
}

case ${1:-} in
  up) [ $# -ge 3 ] || usage; up "$2" "$3" "${4:-1}" ;;
  down) [ $# -eq 2 ] || usage; down "$2" ;;
  exec)
    [ $# -ge 4 ] || usage
    check_name "$2"; check_host "$2" "$3"
    export OMPI_MCA_plm_rsh_agent="$here/netns-cluster.sh agent"
    export OMPI_MCA_btl=tcp,self OMPI_MCA_btl_tcp_if_include=eth0 OMPI_MCA_oob_tcp_if_include=eth0
    # Each host binds its ranks to cores of its own; here they share the machine's cores.
    export OMPI_MCA_hwloc_base_binding_policy=${OMPI_MCA_hwloc_base_binding_policy:-none}
    export OMPI_MCA_oob_tcp_keepalive_time=${OMPI_MCA_oob_tcp_keepalive_time:-5}
    export OMPI_MCA_oob_tcp_keepalive_intvl=${OMPI_MCA_oob_tcp_keepalive_intvl:-2}
    export OMPI_MCA_oob_tcp_keepalive_probes=${OMPI_MCA_oob_tcp_keepalive_probes:-3}
    host="$2-$3"
    shift 3
    on_host "$host" "$@" ;;
  link)
    [ $# -eq 4 ] && { [ "$4" = up ] || [ "$4" = down ]; } || usage
    check_name "$2"; check_host "$2" "$3"
    ip -n "$2-$3" link set eth0 "$4" ;;
  shape) [ $# -eq 3 ] || usage; check_name "$2"; shape "$2" "$3" ;;
  agent) shift; agent "$@" ;;
  *) usage ;;
esac
